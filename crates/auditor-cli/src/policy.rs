//! `auditor policy simulate`: decide requests offline, one JSON line per case.

use crate::fail::Failure;
use auditor_policy::simulate::{read_cases, run_case, Answer};
use std::io::{BufWriter, Read, Write};
use std::path::Path;

/// Reads the cases of `file` (`-` for standard input), prints each answer, and returns the
/// exit code: 0 when every case was decided, 1 when some could not be.
pub(crate) fn simulate(file: &Path) -> Result<u8, Failure> {
    let shown = file.display();
    let mut text = String::new();
    let read = if file == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(file).map(|t| text = t)
    };
    read.map_err(|e| crate::fail::usage(format!("{shown}: cannot read: {e}")))?;
    let cases = read_cases(&text).map_err(|e| crate::fail::usage(format!("{shown}: {e}")))?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    for (i, case) in cases.iter().enumerate() {
        let answer = run_case(i, case);
        if matches!(answer, Answer::Failed { .. }) {
            failed += 1;
        }
        let line = serde_json::to_string(&answer).unwrap_or_default();
        if writeln!(out, "{line}").is_err() {
            // The reader went away (`| head`): nothing more to say.
            return Ok(0);
        }
    }
    if out.flush().is_err() {
        return Ok(0);
    }
    if failed > 0 {
        eprintln!(
            "auditor: {failed} of {} cases could not be decided (their answers name the field)",
            cases.len()
        );
        return Ok(1);
    }
    Ok(0)
}
