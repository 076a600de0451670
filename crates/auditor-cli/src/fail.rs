//! How the CLI speaks: one-line failures with their exit code, and notes on standard
//! error (text, or log events with `--log-format json`).

pub(crate) static JSON_LOGS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// `--quiet`: no notes and no progress on standard error; warnings and errors still.
pub(crate) static QUIET: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether `--quiet` was given.
pub(crate) fn quiet() -> bool {
    QUIET.get().copied().unwrap_or(false)
}

/// A colour for a word on standard error.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Colour {
    Red,
    Yellow,
}

/// `word` in colour when standard error is a terminal and `NO_COLOR` is not set
/// (https://no-color.org); as is otherwise.
pub(crate) fn paint(word: &str, colour: Colour) -> String {
    use std::io::IsTerminal as _;
    let on = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && !json_logs();
    if !on {
        return word.to_owned();
    }
    let code = match colour {
        Colour::Red => "31",
        Colour::Yellow => "33",
    };
    format!("\x1b[1;{code}m{word}\x1b[0m")
}

/// Whether logs are JSON lines (then nothing else is drawn on standard error).
pub(crate) fn json_logs() -> bool {
    JSON_LOGS.get().copied().unwrap_or(false)
}

/// Tells the user something on stderr: `auditor: <msg>`, or with `--log-format json` the
/// same as a log event, so that stderr stays one JSON object per line.
pub(crate) fn say(msg: &str) {
    // Messages carry AWS data (names, keys, error texts): shown, never obeyed.
    let msg = auditor_model::text::escape_line(msg);
    if quiet() {
        return;
    }
    if json_logs() {
        tracing::info!(target: "auditor::cli", "{msg}");
    } else {
        eprintln!("auditor: {msg}");
    }
}

/// [`say`] for a warning: `auditor: warning: <msg>`.
pub(crate) fn warn(msg: &str) {
    let msg = auditor_model::text::escape_line(msg);
    if json_logs() {
        tracing::warn!(target: "auditor::cli", "{msg}");
    } else {
        eprintln!("auditor: {}: {msg}", paint("warning", Colour::Yellow));
    }
}

/// A failure with its exit code; the message is one line.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

pub(crate) fn usage(msg: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: msg.into(),
    }
}

/// Writes `text` to standard output. A reader that went away (a closed pipe) ends the
/// program quietly with success; any other failure to write is one line and exit 4.
pub(crate) fn out(text: &str) {
    use std::io::Write as _;
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|()| o.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("auditor: error: cannot write to standard output: {e}");
        std::process::exit(4);
    }
}
