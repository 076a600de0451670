//! End-to-end tests of the real `auditor` binary.
//!
//! `cli` needs nothing; `emulator` needs the moto emulator (`make test` provides it, and the
//! tests fail with instructions without it).

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod cli;
mod conformance;
mod daemon;
mod emulator;
mod faults;
mod formats;
mod notify;
mod org;
mod replicas;
mod store;

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub(crate) fn auditor() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_auditor"));
    // Nothing of the developer's own AWS setup or config may leak in.
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

/// The emulator venv's Python (seeds run with its boto3); a clear failure when missing.
pub(crate) fn venv_python() -> std::path::PathBuf {
    let p = repo_root().join("localstack/.venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `make emulator` (localstack/setup.sh) or `make test`",
        p.display()
    );
    p
}

/// A saved inventory of account 111122223333 with an IAM part that holds nothing read:
/// enough for an offline audit that needs no emulator (its IAM checks are "not assessed").
pub(crate) fn tiny_inventory(dir: &Path) -> std::path::PathBuf {
    let inv = dir.join("inventory.json");
    std::fs::write(
        &inv,
        r#"{"account_id": "111122223333", "services": ["iam"], "iam": {}}"#,
    )
    .expect("inventory");
    inv
}

pub(crate) fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run the auditor binary");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

impl Run {
    /// A clean refusal: the given exit code, one line on stderr that says `wanted`, nothing
    /// on stdout, no panic and no SDK debug dump.
    pub(crate) fn assert_one_line_error(&self, code: i32, wanted: &str) {
        assert_eq!(self.code, code, "exit code; stderr: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stderr, got:\n{}",
            self.stderr
        );
        assert!(lines[0].starts_with("auditor: error: "), "{}", lines[0]);
        assert!(
            lines[0].contains(wanted),
            "expected `{wanted}` in: {}",
            lines[0]
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(
            !self.stderr.contains("DispatchFailure") && !self.stderr.contains("SdkError"),
            "{}",
            self.stderr
        );
        assert!(
            self.stdout.is_empty(),
            "stdout should be empty: {}",
            self.stdout
        );
    }
}
