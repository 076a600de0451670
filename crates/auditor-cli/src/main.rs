//! `auditor`: audits an AWS account against the Well-Architected Security pillar.
//!
//! Exit codes (also in the README):
//! 0 audit done, nothing at or above `--fail-on` failed · 1 findings at or above `--fail-on`
//! · 2 bad input (flags, config, account id, region, service, check code) · 3 AWS could not
//! be used (credentials, endpoint, role assumption, wrong account) · 4 the report could not
//! be written.

// Standard output closed early (`auditor checks --format markdown | head -1`) is a quiet,
// successful end, not a panic: every print of the CLI goes through `fail::out`.
macro_rules! print {
    ($($t:tt)*) => { $crate::fail::out(&format!($($t)*)) };
}
macro_rules! println {
    () => { $crate::fail::out("\n") };
    ($($t:tt)*) => { $crate::fail::out(&format!("{}\n", format_args!($($t)*))) };
}

mod audit;
mod config;
mod daemon;
mod fail;
mod http;
mod notify;
mod org;
mod output;
mod policy;
mod progress;
mod replicas;
mod run;
mod state;
mod stored;

use audit::{AuditArgs, Format};
use clap::{Args, Parser, Subcommand, ValueEnum};
use fail::{json_logs, usage, warn, Failure, JSON_LOGS};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "auditor",
    version,
    about = "Audits an AWS account against the Well-Architected Security pillar (read-only)."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Log lines on standard error: text, or one JSON object per line (for log collectors;
    /// turns off the progress display).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Say nothing on standard error but warnings and errors (no notes, no progress).
    #[arg(long, short, global = true)]
    quiet: bool,
}

/// Documents with a JSON Schema.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SchemaDoc {
    /// The v1 JSON report (`audit --format json`, `--output x.json`).
    Report,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Cmd {
    /// Audit one account (--account), or every selected account of the organisation
    /// (--org), and report the findings.
    Audit(Box<AuditArgs>),
    /// List every check with its code, severity and Well-Architected ids; with
    /// `--standard fsbp`, Security Hub's FSBP controls and the checks that cover each.
    Checks {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ChecksFormat::Table)]
        format: ChecksFormat,
        /// A standard to map the checks to: `fsbp`, Security Hub's AWS Foundational
        /// Security Best Practices (each control, the checks covering it, or why it is out
        /// of scope).
        #[arg(long, value_enum)]
        standard: Option<Standard>,
    },
    /// IAM policy tools that need no AWS access.
    Policy {
        #[command(subcommand)]
        cmd: PolicyCmd,
    },
    /// Print a shell completion script: `auditor completions bash > /etc/bash_completion.d/auditor`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the JSON Schema of a document the auditor writes: `auditor schema report`.
    Schema {
        /// Which document.
        #[arg(value_enum)]
        document: SchemaDoc,
    },
    /// Print the man page (roff): `auditor manpage > auditor.1` (`make man`).
    #[command(hide = true)]
    Manpage,
    /// Print a check's documentation: what, why, remediation, references.
    Explain {
        /// The check's code, e.g. EC2-002.
        code: String,
    },
    /// Audit the configured accounts on a schedule: store every run, write each JSON
    /// report to the reports directory, serve health, metrics and a JSON API over HTTP.
    Daemon {
        /// Configuration file with a [daemon] section (see config/auditor.example.toml).
        #[arg(long, env = "AUDITOR_CONFIG")]
        config: PathBuf,
        /// Stop after this many scheduled rounds (for tests and one-off runs).
        #[arg(long, hide = true)]
        max_rounds: Option<u32>,
    },
    /// The daemon replicas' rounds in a PostgreSQL store, newest first: how many accounts
    /// of each are pending, held, complete and failed, and the newest round's accounts.
    Rounds {
        #[command(flatten)]
        store: StoreArg,
        /// How many rounds.
        #[arg(long, default_value_t = 10)]
        last: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the runs recorded in a findings store, newest first.
    Runs {
        #[command(flatten)]
        store: StoreArg,
        /// Only this account's runs.
        #[arg(long)]
        account: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the report of a recorded run.
    Report {
        #[command(flatten)]
        store: StoreArg,
        /// The run's id (see `auditor runs`).
        #[arg(long)]
        run: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// List passing findings in the table too (the same as `--show passed`).
        #[arg(long)]
        show_passed: bool,
        /// Lists the table leaves out or summarises on large accounts: passed, findings,
        /// state-access, all (see `audit --help`).
        #[arg(long, value_enum, value_delimiter = ',')]
        show: Vec<output::Show>,
        /// Also write the report to this file ([FORMAT=]PATH, json or csv); repeatable.
        #[arg(long)]
        output: Vec<PathBuf>,
    },
    /// What changed between two recorded runs of one account: new, resolved, still open.
    Diff {
        #[command(flatten)]
        store: StoreArg,
        /// The earlier run [default: the complete run before --to, of the same account].
        #[arg(long)]
        from: Option<i64>,
        /// The later run [default: the latest complete run].
        #[arg(long)]
        to: Option<i64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Exit 1 when a finding new in the later run fails at this severity or higher
        /// (info, low, medium, high, critical): a pipeline's gate on "nothing new".
        #[arg(long, value_name = "SEVERITY")]
        fail_on_new: Option<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCmd {
    /// Decide requests offline against the policies given with them (like `aws iam
    /// simulate-custom-policy`, without AWS): reads cases as a JSON array or JSON lines
    /// (README, "Simulating policies"), prints one JSON line per case with the decision and
    /// the statements that decided it. Exit 1 if a case could not be decided.
    Simulate {
        /// The cases, or - for standard input.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Standard {
    /// Security Hub's AWS Foundational Security Best Practices.
    Fsbp,
}

#[derive(Clone, Copy, ValueEnum)]
enum ChecksFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Args)]
struct StoreArg {
    /// The findings store that `audit --store` writes: a SQLite file, or a
    /// `postgres://` URL (better from the environment: it may hold a password).
    #[arg(long, env = "AUDITOR_STORE", hide_env_values = true, value_parser = stored::parse_store)]
    store: auditor_store::Location,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = JSON_LOGS.set(cli.log_format == LogFormat::Json);
    let _ = fail::QUIET.set(cli.quiet);
    output::init_logging(cli.log_format == LogFormat::Json);
    let result = match cli.cmd {
        Cmd::Checks { format, standard } => {
            let format = match format {
                ChecksFormat::Table => output::ChecksFormat::Table,
                ChecksFormat::Json => output::ChecksFormat::Json,
                ChecksFormat::Markdown => output::ChecksFormat::Markdown,
            };
            Ok(match standard {
                None => output::print_checks(format),
                Some(Standard::Fsbp) => output::print_fsbp(format),
            })
        }
        Cmd::Policy {
            cmd: PolicyCmd::Simulate { file },
        } => policy::simulate(&file),
        Cmd::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "auditor",
                &mut script,
            );
            print!("{}", String::from_utf8_lossy(&script));
            Ok(0)
        }
        Cmd::Schema { document: SchemaDoc::Report } => {
            print!("{}", auditor_report::json_v1::schema());
            Ok(0)
        }
        Cmd::Manpage => {
            let mut page = Vec::new();
            match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut page)
            {
                Ok(()) => {
                    print!("{}", String::from_utf8_lossy(&page));
                    Ok(0)
                }
                Err(e) => Err(Failure {
                    code: 4,
                    message: format!("cannot render the man page: {e}"),
                }),
            }
        }
        Cmd::Explain { code } => match auditor_checks::by_code(&code) {
            Some(c) => {
                print!("{}", auditor_checks::docs::explain(c.meta()));
                Ok(0)
            }
            None => Err(usage(format!(
                "no check has code '{code}' (see `auditor checks`)"
            ))),
        },
        Cmd::Runs {
            format: Format::Csv | Format::Sarif | Format::Asff | Format::Ocsf | Format::Html,
            ..
        }
        | Cmd::Rounds {
            format: Format::Csv | Format::Sarif | Format::Asff | Format::Ocsf | Format::Html,
            ..
        }
        | Cmd::Diff {
            format: Format::Csv | Format::Sarif | Format::Asff | Format::Ocsf | Format::Html,
            ..
        } => Err(usage(
            "--format csv, sarif, asff, ocsf and html are for findings: `audit` and `report` (runs, rounds and diff: table or json)",
        )),
        Cmd::Rounds {
            store,
            last,
            format,
        } => replicas::rounds_command(&store.store, last, format == Format::Json),
        Cmd::Runs {
            store,
            account,
            format,
        } => stored::runs(&store.store, account.as_deref(), format == Format::Json),
        Cmd::Report {
            store,
            run,
            format,
            show_passed,
            show,
            output,
        } => stored::report(
            &store.store,
            run,
            format,
            output::table_options(show_passed, &show),
            &output,
        ),
        Cmd::Diff {
            store,
            from,
            to,
            format,
            fail_on_new,
        } => match fail_on_new
            .as_deref()
            .map(str::parse::<auditor_model::Severity>)
        {
            Some(Err(_)) => Err(usage(format!(
                "--fail-on-new '{}': expected info, low, medium, high or critical",
                fail_on_new.unwrap_or_default()
            ))),
            gate => stored::diff(
                &store.store,
                from,
                to,
                format == Format::Json,
                gate.and_then(Result::ok),
            ),
        },
        Cmd::Daemon { config, max_rounds } => match config::load(&config) {
            Err(e) => Err(usage(e.to_string())),
            Ok(cfg) => {
                for w in &cfg.warnings {
                    warn(w);
                }
                match tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => {
                        let r = rt.block_on(daemon::run(cfg, max_rounds));
                        // An evaluation past its deadline may still run on the blocking
                        // pool: the daemon exits anyway (its run is recorded already).
                        rt.shutdown_timeout(std::time::Duration::from_secs(1));
                        r
                    }
                    Err(e) => Err(Failure {
                        code: 4,
                        message: format!("cannot start the async runtime: {e}"),
                    }),
                }
            }
        },
        Cmd::Audit(args) => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => {
                let r = rt.block_on(audit::audit(*args));
                rt.shutdown_timeout(std::time::Duration::from_secs(1));
                r
            }
            Err(e) => Err(Failure {
                code: 4,
                message: format!("cannot start the async runtime: {e}"),
            }),
        },
    };
    output::record_peak_rss();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            if json_logs() {
                tracing::error!(target: "auditor::cli", code = f.code, "{}", f.message);
            } else {
                // A configuration's problems are one per line, indented under the first;
                // every line is escaped, and any further line is indented, so no text can
                // pass for an error line of its own.
                let mut lines = f.message.split('\n');
                let first = auditor_model::text::escape_line(lines.next().unwrap_or_default());
                eprintln!(
                    "auditor: {}: {first}",
                    fail::paint("error", fail::Colour::Red)
                );
                for l in lines {
                    let l = auditor_model::text::escape_line(l);
                    if l.starts_with("  ") {
                        eprintln!("{l}");
                    } else {
                        eprintln!("  {l}");
                    }
                }
            }
            ExitCode::from(f.code)
        }
    }
}
