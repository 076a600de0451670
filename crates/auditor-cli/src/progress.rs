//! Progress on standard error for interactive runs: a spinner (one account) or a bar
//! (accounts of an organisation), with the AWS requests sent so far. Drawn only when
//! standard error is a terminal and logs are not JSON; otherwise nothing at all, so that
//! pipelines and log collectors see clean output.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::time::Duration;

/// A progress display, or nothing.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

/// Whether progress may be drawn.
pub(crate) fn wanted() -> bool {
    std::io::stderr().is_terminal() && !crate::fail::json_logs() && !crate::fail::quiet()
}

fn requests_so_far() -> String {
    let all = auditor_aws::counting::snapshot();
    let requests: u64 = all.values().map(|c| c.requests).sum();
    let throttled: u64 = all.values().map(|c| c.throttled).sum();
    if throttled > 0 {
        format!("{requests} AWS requests, {throttled} throttled")
    } else {
        format!("{requests} AWS requests")
    }
}

impl Progress {
    /// Nothing drawn.
    pub(crate) fn none() -> Progress {
        Progress {
            bar: None,
            ticker: None,
        }
    }

    fn start(bar: ProgressBar, prefix: String) -> Progress {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_prefix(prefix);
        bar.enable_steady_tick(Duration::from_millis(120));
        let b = bar.clone();
        let ticker = tokio::spawn(async move {
            loop {
                b.set_message(requests_so_far());
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Progress {
            bar: Some(bar),
            ticker: Some(ticker),
        }
    }

    /// A spinner while one account is collected.
    pub(crate) fn account(account: &str) -> Progress {
        if !wanted() {
            return Progress::none();
        }
        let style = ProgressStyle::with_template("{spinner} {prefix} · {elapsed} · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Progress::start(
            ProgressBar::new_spinner().with_style(style),
            format!("auditing {account}"),
        )
    }

    /// A bar over the accounts of an organisation.
    pub(crate) fn accounts(total: usize) -> Progress {
        if !wanted() {
            return Progress::none();
        }
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} accounts · {elapsed} · {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        Progress::start(
            ProgressBar::new(total as u64).with_style(style),
            "auditing the organisation".into(),
        )
    }

    /// One more account done; `line` is said above the bar (as a warning when `warning`).
    pub(crate) fn done(&self, line: &str, warning: bool) {
        match &self.bar {
            Some(b) => {
                b.println(format!("auditor: {line}"));
                b.inc(1);
            }
            None if warning => crate::fail::warn(line),
            None => crate::fail::say(line),
        }
    }

    /// Clears the display.
    pub(crate) fn finish(self) {
        if let Some(t) = &self.ticker {
            t.abort();
        }
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
