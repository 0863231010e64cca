//! Whole-system tests of the JSON API: the real server on an ephemeral loopback port
//! over a fresh database (each test on SQLite and on PostgreSQL), driven over HTTP, with the database checked directly.

mod access;
mod actions;
mod adaptive_card;
mod alerts;
mod bad_input;
mod browser;
mod console_actions;
mod console_postmortem;
mod console_schedules;
mod console_services;
mod console_status_page;
mod console_updates;
mod harness;
mod jira;
mod listing;
mod notifications;
mod oncall;
mod openapi;
mod paging;
mod people;
mod postmortems;
mod recurrence;
mod reports;
mod review;
mod senders;
mod snapshots;
mod status_page;
mod story;
mod subscribers;
mod updates;
mod web;
