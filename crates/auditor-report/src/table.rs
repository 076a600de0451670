//! The terminal report: what failed or could not be assessed, the WA roll-up, the gaps.

use crate::json_v1::build_full;
use auditor_model::s3::{groups_by_id, GroupsById as Groups};
use auditor_model::AuditResult;
use tabled::builder::Builder;
use tabled::settings::Style;

/// Options for the table.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// List passing findings too (default: only failures and not assessed).
    pub show_passed: bool,
    /// List every finding shown (default: at most [`FINDINGS_PER_CHECK`] per check and
    /// status, the rest counted).
    pub show_all_findings: bool,
    /// Print every state bucket's matrix (default: only while they are short, else a
    /// summary; see [`STATE_ROWS_SHOWN`]).
    pub show_state_access: bool,
}

/// Findings listed per check and status unless every one is asked for.
pub const FINDINGS_PER_CHECK: usize = 10;

/// Matrix rows (all buckets together) printed unless every matrix is asked for; past
/// this, the table prints a summary of the state access.
pub const STATE_ROWS_SHOWN: usize = 60;

/// Renders a table in the sharp style with every cell's control and invisible format
/// characters escaped (AWS data such as S3 keys, tags and names is shown, never obeyed:
/// no terminal escape sequence, no right-to-left override reordering a name).
pub fn sharp(b: Builder) -> String {
    use tabled::settings::format::Format;
    use tabled::settings::object::Segment;
    let mut t = b.build();
    t.modify(
        Segment::all(),
        Format::content(|c| auditor_model::text::escape_cell(c).into_owned()),
    );
    t.with(Style::sharp()).to_string()
}

pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut c: String = s.chars().take(max.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

/// Renders the audit for a terminal.
pub fn render(result: &AuditResult, opts: TableOptions) -> String {
    // Text outside the tables (bucket names, reasons) is AWS's too: shown, never obeyed.
    auditor_model::text::escape_cell(&render_raw(result, opts)).into_owned()
}

fn render_raw(result: &AuditResult, opts: TableOptions) -> String {
    let r = build_full(result);
    let mut out = String::new();
    out += &format!(
        "auditor {} — account {} as {}\nregions: {}\nservices: {} · WA revision {}\n\n",
        r.tool.version,
        r.account,
        r.caller_arn,
        if r.regions.is_empty() {
            "(none)".into()
        } else {
            r.regions.join(", ")
        },
        r.services.join(", "),
        r.wa_revision,
    );

    out += &totals(&r);
    // Findings are sorted by status, severity, check: at most FINDINGS_PER_CHECK of each
    // check and status are listed, the rest counted per check.
    let mut listed: std::collections::HashMap<(&str, &str), usize> = Default::default();
    let mut left_out: std::collections::BTreeMap<&str, usize> = Default::default();
    let shown: Vec<_> = r
        .findings
        .iter()
        .filter(|f| opts.show_passed || f.status != "pass")
        .filter(|f| {
            let n = listed
                .entry((f.code.as_str(), f.status.as_str()))
                .or_default();
            *n += 1;
            let keep = opts.show_all_findings || *n <= FINDINGS_PER_CHECK;
            if !keep {
                *left_out.entry(f.code.as_str()).or_default() += 1;
            }
            keep
        })
        .collect();
    if shown.is_empty() {
        out += "No failing or unassessed findings.\n\n";
    } else {
        let mut b = Builder::default();
        b.push_record([
            "STATUS", "SEVERITY", "CHECK", "REGION", "RESOURCE", "EVIDENCE",
        ]);
        for f in shown {
            let resource = match &f.resource.name {
                Some(n) if n != &f.resource.id => format!("{} ({})", f.resource.id, n),
                _ => f.resource.id.clone(),
            };
            let status = match &f.suppression {
                Some(s) if s.expired => "fail (suppression expired)".to_owned(),
                Some(_) => "suppressed".to_owned(),
                None => f.status.replace('_', " "),
            };
            let evidence = match (f.status.as_str(), &f.suppression) {
                ("fail", Some(s)) if !s.expired => {
                    format!("accepted by {} until {}: {}", s.owner, s.expires, s.reason)
                }
                ("not_assessed", _) => f.status_reason.clone().unwrap_or_default(),
                _ => {
                    let first = f
                        .evidence
                        .first()
                        .map(|e| format!("{}: {}", e.field, e.observed))
                        .unwrap_or_default();
                    if f.evidence.len() > 1 {
                        format!("{first} (+{} more)", f.evidence.len() - 1)
                    } else {
                        first
                    }
                }
            };
            b.push_record([
                status,
                f.severity.clone(),
                format!("{} {}", f.code, f.name),
                f.resource.region.clone().unwrap_or_else(|| "global".into()),
                clip(&resource, 44),
                clip(&evidence, 64),
            ]);
        }
        out += &sharp(b);
        out += "\n";
        if !left_out.is_empty() {
            let total: usize = left_out.values().sum();
            let each: Vec<String> = left_out.iter().map(|(c, n)| format!("{c} {n}")).collect();
            out += &format!(
                "{total} more findings not listed ({}): `--show findings` lists them all, \
                 the report files (`--output`) hold every one.\n",
                each.join(", ")
            );
        }
        out += "\n";
    }

    let rows: usize = r.state_access.iter().map(|m| m.rows.len()).sum();
    if opts.show_state_access || rows <= STATE_ROWS_SHOWN {
        out += &state_access(&r.state_access, &r.state_access_groups);
    } else {
        out += &state_access_summary(&r.state_access, &r.state_access_groups);
    }

    let practices: Vec<_> = r
        .wa_rollup
        .iter()
        .filter(|p| !matches!(p.status.as_str(), "no_automated_check" | "not_run"))
        .collect();
    if !practices.is_empty() {
        let mut b = Builder::default();
        b.push_record([
            "PRACTICE", "TITLE", "VERDICT", "FAIL", "PASS", "N/A", "CHECKS",
        ]);
        for p in practices {
            b.push_record([
                p.id.clone(),
                clip(&p.title, 44),
                p.status.replace('_', " "),
                p.counts.fail.to_string(),
                p.counts.pass.to_string(),
                p.counts.not_assessed.to_string(),
                p.checks.join(" "),
            ]);
        }
        out += "Well-Architected practices with automated checks:\n";
        out += &sharp(b);
        out += "\n\n";
    }

    out += &api_line(&r.api_requests);
    if r.coverage_gaps.is_empty() {
        out += "Coverage: every API call succeeded.\n";
    } else {
        let mut b = Builder::default();
        b.push_record(["API", "REGION", "KIND", "MESSAGE", "CHECKS AFFECTED"]);
        for g in &r.coverage_gaps {
            b.push_record([
                g.api.clone(),
                g.region.clone().unwrap_or_else(|| "global".into()),
                g.kind.replace('_', " "),
                clip(&g.message, 70),
                g.checks.join(" "),
            ]);
        }
        out += &format!(
            "Coverage gaps ({}): what this audit could not read\n",
            r.coverage_gaps.len()
        );
        out += &sharp(b);
        out.push('\n');
    }
    out
}

/// `Findings: 3 fail (1 high, 2 low), 10 pass, 1 not assessed, from 12 checks.`
fn totals(r: &crate::json_v1::Report) -> String {
    let s = &r.summary;
    let sev: Vec<String> = s
        .failing_by_severity
        .iter()
        .rev()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    format!(
        "Findings: {} fail{}{}, {} pass, {} not assessed, from {} checks.\n\n",
        s.counts.fail,
        if sev.is_empty() {
            String::new()
        } else {
            format!(" ({})", sev.join(", "))
        },
        if s.suppressed > 0 {
            format!(" of which {} suppressed", s.suppressed)
        } else {
            String::new()
        },
        s.counts.pass,
        s.counts.not_assessed,
        r.checks.len(),
    )
}

/// `rvwd` style: read, read past versions, write, delete, `-` for none.
fn cell(a: Option<&auditor_model::s3::Access>) -> String {
    match a {
        None => "-".into(),
        Some(a) => [
            (a.read, 'r'),
            (a.read_versions, 'v'),
            (a.write, 'w'),
            (a.delete, 'd'),
        ]
        .iter()
        .map(|(on, c)| if *on { *c } else { '-' })
        .collect(),
    }
}

/// The group a row stands for, if any.
fn group_of<'r>(
    row: &auditor_model::s3::AccessRow,
    groups: &Groups<'r>,
) -> Option<&'r auditor_model::s3::PrincipalGroup> {
    groups.get(row.group.as_deref()?).copied()
}

/// A row's principal: its name, or its group's first and how many more.
fn row_principal(row: &auditor_model::s3::AccessRow, groups: &Groups<'_>) -> String {
    let name = row.principal.split(':').nth(5).unwrap_or(&row.principal);
    match group_of(row, groups) {
        Some(g) => format!(
            "{name} +{} ({})",
            g.principals.len().saturating_sub(1),
            g.id
        ),
        None => name.to_owned(),
    }
}

/// The principals of a row: its group's size, or one.
fn row_size(row: &auditor_model::s3::AccessRow, groups: &Groups<'_>) -> usize {
    group_of(row, groups).map_or(1, |g| g.principals.len())
}

/// The state access in a few lines, when the matrices are too long to print.
fn state_access_summary(
    matrices: &[auditor_model::s3::StateAccessMatrix],
    groups: &[auditor_model::s3::PrincipalGroup],
) -> String {
    let groups = groups_by_id(groups);
    let mut teams = std::collections::BTreeSet::new();
    let mut by_verdict: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        Default::default();
    let mut unassessed = 0;
    for m in matrices {
        if m.not_assessed_reason.is_some() {
            unassessed += 1;
            continue;
        }
        teams.extend(m.teams.iter().map(|t| t.team.as_str()));
        for row in &m.rows {
            let set = by_verdict.entry(row.verdict.as_str()).or_default();
            match group_of(row, &groups) {
                Some(g) => set.extend(g.principals.iter().map(String::as_str)),
                None => {
                    set.insert(row.principal.as_str());
                }
            }
        }
    }
    let each: Vec<String> = by_verdict
        .iter()
        .map(|(v, p)| format!("{} {v}", p.len()))
        .collect();
    format!(
        "Terraform state access: {} buckets ({} not assessed), {} teams; principals reaching \
         state: {}. `--show state-access` prints every bucket's matrix; the JSON report's \
         `state_access` holds them.\n\n",
        matrices.len(),
        unassessed,
        teams.len(),
        if each.is_empty() {
            "none".to_owned()
        } else {
            each.join(", ")
        },
    )
}

/// The access matrix of each state bucket.
fn state_access(
    matrices: &[auditor_model::s3::StateAccessMatrix],
    group_list: &[auditor_model::s3::PrincipalGroup],
) -> String {
    let groups = groups_by_id(group_list);
    let mut out = String::new();
    for m in matrices {
        out += &format!(
            "Terraform state access — s3://{} ({}): ",
            m.bucket,
            m.region.as_deref().unwrap_or("region unknown")
        );
        if let Some(why) = &m.not_assessed_reason {
            out += &format!("not assessed: {why}\n\n");
            continue;
        }
        out += &format!(
            "{} principals evaluated, {} reach state (r read, w write, d delete)\n",
            m.principals_evaluated,
            m.rows
                .iter()
                .map(|row| row_size(row, &groups))
                .sum::<usize>()
        );
        let mut b = Builder::default();
        let mut head = vec!["PRINCIPAL".to_owned(), "TEAM".to_owned()];
        head.extend(m.teams.iter().map(|t| format!("{} ({})", t.team, t.prefix)));
        head.push("VERDICT".into());
        b.push_record(head);
        for row in &m.rows {
            let name = row_principal(row, &groups);
            let team = if row.teams.is_empty() {
                row.membership.clone()
            } else {
                format!("{} ({})", row.teams.join(", "), row.membership)
            };
            let mut rec = vec![clip(&name, 40), clip(&team, 36)];
            rec.extend(m.teams.iter().map(|t| cell(row.access.get(&t.team))));
            rec.push(row.verdict.clone());
            b.push_record(rec);
        }
        out += &sharp(b);
        out += "\n";
        for n in &m.not_assessed {
            out += &format!(
                "  not assessed: {}: {}\n",
                n.principal,
                clip(&n.reason, 100)
            );
        }
        out += "\n";
    }
    for g in group_list {
        let names: Vec<&str> = g
            .principals
            .iter()
            .take(10)
            .map(|p| p.split(':').nth(5).unwrap_or(p))
            .collect();
        out += &format!(
            "  {} ({} principals): {}{}\n",
            g.id,
            g.principals.len(),
            names.join(", "),
            if g.principals.len() > 10 {
                format!(" and {} more", g.principals.len() - 10)
            } else {
                String::new()
            }
        );
    }
    if !group_list.is_empty() {
        out += "\n";
    }
    out
}

/// `AWS requests: 412 (ec2 120, iam 12, ...); 3 throttled; 1.2 s waiting for the rate limit.`
pub(crate) fn api_line(
    api: &std::collections::BTreeMap<String, auditor_model::ApiCounts>,
) -> String {
    if api.is_empty() {
        return String::new();
    }
    let total: u64 = api.values().map(|c| c.requests).sum();
    let throttled: u64 = api.values().map(|c| c.throttled).sum();
    let waited: u64 = api.values().map(|c| c.rate_limited_ms).sum();
    let retries: u64 = api.values().map(|c| c.retries).sum();
    let backoff: u64 = api.values().map(|c| c.retry_wait_ms).sum();
    // Retries cost time the reader should see explained (throttling, server errors).
    let retried = if retries > 0 {
        let by: Vec<String> = api
            .iter()
            .filter(|(_, c)| c.retries > 0)
            .map(|(s, c)| {
                format!(
                    "{s} {} in {:.1} s",
                    c.retries,
                    c.retry_wait_ms as f64 / 1000.0
                )
            })
            .collect();
        format!(
            " {retries} retries, {:.1} s waiting to retry ({}).",
            backoff as f64 / 1000.0,
            by.join(", ")
        )
    } else {
        String::new()
    };
    let each: Vec<String> = api
        .iter()
        .map(|(s, c)| format!("{s} {}", c.requests))
        .collect();
    format!(
        "AWS requests: {total} ({}); {throttled} throttled; {:.1} s waiting for the client-side rate limit.{retried}\n",
        each.join(", "),
        waited as f64 / 1000.0
    )
}
