//! Users, groups and tokens from the command line.

use crate::harness::Cli;

#[test]
fn admins_manage_people_and_group_membership_drives_conditions() {
    let cli = Cli::start();
    cli.run(&["user", "add", "support@example.com", "--role", "responder"])
        .ok();
    let token = cli
        .run(&["token", "create", "--user", "support@example.com"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert!(token.starts_with("trg_"));
    let me = cli.run_as(&token, &["whoami", "--json"]).ok().json();
    assert_eq!(me["email"], "support@example.com");

    cli.run(&["create", "--summary", "Queue backlog", "--priority", "P3"])
        .ok();
    for status in ["Investigating", "In Progress"] {
        cli.run_as(&token, &["transition", "INC-1", "--name", status])
            .ok();
    }
    let refused = cli.run_as(&token, &["transition", "INC-1", "--name", "Monitoring"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("only members of the 'sre' group may do this"),
        "{}",
        refused.stderr
    );

    let updated = cli
        .run(&[
            "user",
            "update",
            "support@example.com",
            "--add-group",
            "sre",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(updated["groups"], serde_json::json!(["sre"]));
    cli.run_as(&token, &["transition", "INC-1", "--name", "Monitoring"])
        .ok();

    let forbidden = cli.run_as(&token, &["user", "add", "x@example.com"]);
    assert_eq!(forbidden.code, 1);
    assert!(
        forbidden.stderr.contains("only admins may do this"),
        "{}",
        forbidden.stderr
    );

    cli.run(&["group", "add", "dba", "--description", "Database admins"])
        .ok();
    let groups = cli.run(&["group", "list"]).ok().stdout;
    assert!(
        groups.contains("sre    admin@example.com, support@example.com"),
        "{groups}"
    );
    let users = cli.run(&["user", "list"]).ok().stdout;
    assert!(users.contains("support@example.com  support"), "{users}");

    let tokens = cli
        .run(&["token", "list", "--user", "support@example.com", "--json"])
        .ok()
        .json();
    let id = tokens["tokens"][0]["id"].as_i64().unwrap().to_string();
    cli.run(&["token", "revoke", &id]).ok();
    assert_eq!(cli.run_as(&token, &["whoami"]).code, 1);
}
