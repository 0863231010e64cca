//! Timestamps are stored as INTEGER microseconds since the epoch: portable between
//! SQLite and PostgreSQL, sortable, exact.

use jiff::Timestamp;

use crate::error::{StoreError, StoreResult};

pub fn to_db(at: Timestamp) -> i64 {
    at.as_microsecond()
}

pub fn from_db(micros: i64) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(micros)
        .map_err(|e| StoreError::Invalid(format!("stored timestamp {micros} is out of range: {e}")))
}

pub fn from_db_opt(micros: Option<i64>) -> StoreResult<Option<Timestamp>> {
    micros.map(from_db).transpose()
}
