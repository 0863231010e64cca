//! `triage workflow check`, `workflow default` and shell completions.

use crate::harness::command;

#[test]
fn workflow_check_accepts_the_default_and_lists_every_problem_of_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let default = command(dir.path())
        .args(["workflow", "default"])
        .output()
        .unwrap();
    assert!(default.status.success());
    std::fs::write(dir.path().join("incident.toml"), &default.stdout).unwrap();
    let ok = command(dir.path())
        .args(["workflow", "check", "incident.toml"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).trim(),
        "incident.toml: workflow 'incident' is valid: 7 statuses, 7 transitions, initial status Open"
    );

    let broken = String::from_utf8_lossy(&default.stdout)
        .replace("to = \"Monitoring\"", "to = \"Monitor\"")
        .replace(
            "field = \"priority\" }]\n\n[[transition]]\nname = \"In Progress\"",
            "field = \"prio\" }]\n\n[[transition]]\nname = \"In Progress\"",
        );
    std::fs::write(dir.path().join("broken.toml"), broken).unwrap();
    let bad = command(dir.path())
        .args(["workflow", "check", "broken.toml"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("broken.toml is not a valid workflow (2 problems)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("transition 'Investigating': condition field_set: unknown field 'prio'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("transition 'Monitoring': unknown status 'Monitor'"),
        "{stderr}"
    );

    let missing = command(dir.path())
        .args(["workflow", "check", "nope.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn completions_are_generated_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let output = command(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success());
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains("transition"), "{shell}");
    }
}
