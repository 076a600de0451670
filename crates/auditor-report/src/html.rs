//! The review report: one self-contained HTML file for the reviewer who signs off a
//! platform. No scripts, fonts, images or styles from elsewhere (a Content-Security-Policy
//! in the file says so, and the browser enforces it), so it works offline, attached to a
//! ticket, and on paper.
//!
//! Sections, in order: the account and scope; totals; the Well-Architected practices at a
//! glance; the Terraform state access matrix; what changed since the previous run (when a
//! store gives one); the findings by practice, each with its resource ARN, evidence,
//! remediation (naming the resource) and references; the coverage gaps with the IAM action
//! to grant; every check that ran.
//!
//! It is written from the v1 report ([`crate::json_v1::build_full`]), so its numbers are the JSON
//! report's. Elements carry `data-*` attributes (status, code, counts) for the browser test
//! and for anyone who scripts over a saved copy.

use crate::json_v1::{self, Report};
use auditor_model::s3::GroupsById as Groups;
use auditor_model::AuditResult;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What changed since the account's previous complete run, from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The previous run; `None` when this is the account's first recorded run.
    pub from_run: Option<i64>,
    /// This run.
    pub to_run: i64,
    /// Failing now, not before.
    pub new: Vec<Change>,
    /// Failing before, assessed and not failing now.
    pub resolved: Vec<Change>,
    /// Failing in both.
    pub still_open: Vec<Change>,
    /// Failing before, not assessed now: unknown.
    pub not_assessed: Vec<Change>,
}

/// One finding in [`Changes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Check code.
    pub code: String,
    /// Severity.
    pub severity: String,
    /// Resource ARN.
    pub resource_arn: String,
    /// Check title.
    pub title: String,
}

/// The review report of `result`, with what changed since the previous run when known.
pub fn to_html(result: &AuditResult, changes: Option<&Changes>) -> String {
    render(&json_v1::build_full(result), changes)
}

/// Text for HTML: control and reordering characters shown as `\u{..}` (as in every human
/// output), then `&`, `<`, `>`, `"` and `'` as entities, so it is safe in text and in
/// quoted attributes.
fn esc(s: &str) -> String {
    let s = auditor_model::text::escape_line(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Check prose (remediation): escaped, with `backticked` spans as `<code>`.
fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    // An odd number of parts: every backtick has its pair.
    if parts.len() % 2 == 0 {
        return esc(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", esc(p))
            } else {
                esc(p)
            }
        })
        .collect()
}

/// The practice verdicts in the order the report shows them, with their labels.
const VERDICTS: [(&str, &str); 6] = [
    ("failing", "Failing"),
    ("not_assessed", "Not assessed"),
    ("passing", "Passing"),
    ("no_resources", "Nothing to assess"),
    ("not_run", "Not run"),
    ("no_automated_check", "No automated check"),
];

fn verdict_label(status: &str) -> &str {
    VERDICTS
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(status, |(_, l)| l)
}

fn status_label(status: &str) -> &str {
    match status {
        "fail" => "Fail",
        "pass" => "Pass",
        "not_assessed" => "Not assessed",
        other => other,
    }
}

const STYLE: &str = r#"
:root{--fg:#1d232b;--muted:#5a6572;--line:#d5dbe1;--bg:#f6f8fa;--crit:#8b0000;--high:#c0392b;--med:#b9770e;--low:#2e6da4;--info:#5a6572;--ok:#1e7b34;--na:#7d5ba6}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);margin:0 auto;max-width:1180px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h1 code{font-size:22px;background:none}
table.practices td:first-child,table.practices th:first-child{white-space:nowrap}h2{font-size:19px;border-bottom:2px solid var(--line);padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin:22px 0 8px}h4{font-size:14px;margin:14px 0 6px}
.sub,.muted{color:var(--muted)}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg);padding:0 3px;border-radius:3px;overflow-wrap:anywhere;word-break:break-word}
nav ol{columns:2;margin:8px 0 0;padding-left:20px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--bg);font-weight:600}
dl.scope{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dl.scope dt{font-weight:600}dl.scope dd{margin:0;overflow-wrap:anywhere}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.tile{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px;background:#fff}
.tile .n{font-size:22px;font-weight:700;display:block}
.badge,.bar span,tr.cross-team td,tr.unattributed td,.finding{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.sev-critical{background:var(--crit)}.sev-high{background:var(--high)}.sev-medium{background:var(--med)}.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.v-failing,.st-fail{background:var(--high)}.v-not_assessed,.st-not_assessed{background:var(--na)}.v-passing,.st-pass{background:var(--ok)}
.v-no_resources,.v-not_run,.v-no_automated_check{background:#8895a2}
.bar{display:flex;height:14px;border-radius:7px;overflow:hidden;margin:6px 0 12px;border:1px solid var(--line)}
.bar span{display:block;height:100%}
.finding{border:1px solid var(--line);border-left:5px solid var(--high);border-radius:4px;padding:8px 12px;margin:8px 0;break-inside:avoid}
.finding[data-status=not_assessed]{border-left-color:var(--na)}
.finding.suppressed{border-left-color:#8895a2}
.finding .arn{margin:2px 0 6px}
.finding p{margin:6px 0}
.check-block{margin:10px 0 18px}
.refs{font-size:12px}.refs a{color:var(--low);overflow-wrap:anywhere}
td.cell{text-align:center;font-family:ui-monospace,Menlo,Consolas,monospace}
td.verdict,td.cell{white-space:nowrap;overflow-wrap:normal}
tr.cross-team td{background:#fdecea}tr.unattributed td{background:#fff6e0}
.empty{color:var(--muted);font-style:italic}
footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{padding:0;max-width:none;font-size:11px}nav{display:none}h2{break-after:avoid}h3,h4{break-after:avoid}
 .tile{min-width:90px}a{color:inherit;text-decoration:none}.refs a::after{content:""}
 .finding,tr{break-inside:avoid}@page{size:A4;margin:14mm}}
"#;

fn render(r: &Report, changes: Option<&Changes>) -> String {
    let mut h = String::with_capacity(64 * 1024 + r.findings.len() * 1500);
    let day = r.started_at.get(..10).unwrap_or(&r.started_at);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n\
         <title>Security review: AWS account {} ({})</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&r.tool.name),
        esc(&r.tool.version),
        esc(&r.account),
        esc(day)
    );
    header(&mut h, r, &esc(day));
    nav(&mut h, changes.is_some());
    scope(&mut h, r);
    summary(&mut h, r);
    practices(&mut h, r);
    state_access(&mut h, r);
    if let Some(c) = changes {
        changes_section(&mut h, c);
    }
    findings(&mut h, r);
    gaps(&mut h, r);
    checks(&mut h, r);
    let _ = write!(
        h,
        "<footer>Written by {} {} from the audit of account {} that finished {}. Well-Architected \
         Framework revision {}. Failing findings accepted by a suppression stay listed, marked \
         accepted, with who accepted them and until when.</footer>\n</body>\n</html>\n",
        esc(&r.tool.name),
        esc(&r.tool.version),
        esc(&r.account),
        esc(&r.finished_at),
        esc(&r.wa_revision)
    );
    h
}

fn header(h: &mut String, r: &Report, day: &str) {
    let _ = writeln!(
        h,
        "<header id=\"top\"><h1>Security review: AWS account <code>{}</code></h1>\
         <p class=\"sub\">Audit of {day}: {} failing, {} not assessed, {} passing findings; {} coverage gaps.</p></header>",
        esc(&r.account),
        r.summary.counts.fail,
        r.summary.counts.not_assessed,
        r.summary.counts.pass,
        r.summary.coverage_gaps
    );
}

fn nav(h: &mut String, with_changes: bool) {
    h.push_str("<nav aria-label=\"Contents\"><strong>Contents</strong><ol>");
    let mut items = vec![
        ("scope", "Account and scope"),
        ("summary", "Totals"),
        ("practices", "Well-Architected practices at a glance"),
        ("state-access", "Terraform state access"),
    ];
    if with_changes {
        items.push(("changes", "Changes since the previous run"));
    }
    items.extend([
        ("findings", "Findings by practice"),
        ("gaps", "Coverage gaps"),
        ("checks", "Checks that ran"),
    ]);
    for (id, title) in items {
        let _ = write!(h, "<li><a href=\"#{id}\">{title}</a></li>");
    }
    h.push_str("</ol></nav>\n");
}

fn scope(h: &mut String, r: &Report) {
    h.push_str("<section id=\"scope\"><h2>Account and scope</h2><dl class=\"scope\">");
    let mut row = |k: &str, v: String| {
        let _ = write!(h, "<dt>{k}</dt><dd>{v}</dd>");
    };
    row("Account", format!("<code>{}</code>", esc(&r.account)));
    row("Partition", esc(&r.partition));
    row("Audited as", format!("<code>{}</code>", esc(&r.caller_arn)));
    row(
        "Role assumed",
        r.assumed_role.as_deref().map_or_else(
            || "none (the caller's own credentials)".to_owned(),
            |a| format!("<code>{}</code>", esc(a)),
        ),
    );
    row("Regions", esc(&r.regions.join(", ")));
    row("Services", esc(&r.services.join(", ")));
    row(
        "Started / finished",
        format!("{} / {}", esc(&r.started_at), esc(&r.finished_at)),
    );
    row("Checks run", r.checks.len().to_string());
    if !r.api_requests.is_empty() {
        let total: u64 = r.api_requests.values().map(|a| a.requests).sum();
        let per: Vec<String> = r
            .api_requests
            .iter()
            .map(|(s, a)| format!("{} {}", esc(s), a.requests))
            .collect();
        row(
            "AWS requests",
            format!(
                "{total} read-only requests collected the data ({})",
                per.join(", ")
            ),
        );
    }
    row(
        "Tool",
        format!(
            "{} {}; Well-Architected Framework {}",
            esc(&r.tool.name),
            esc(&r.tool.version),
            esc(&r.wa_revision)
        ),
    );
    h.push_str("</dl></section>\n");
}

fn summary(h: &mut String, r: &Report) {
    let c = &r.summary.counts;
    h.push_str("<section id=\"summary\"><h2>Totals</h2><div class=\"tiles\">");
    for (key, label, n) in [
        ("fail", "Failing", c.fail),
        ("suppressed", "of which accepted", r.summary.suppressed),
        ("not_assessed", "Not assessed", c.not_assessed),
        ("pass", "Passing", c.pass),
        ("coverage_gaps", "Coverage gaps", r.summary.coverage_gaps),
    ] {
        let _ = write!(
            h,
            "<div class=\"tile\" data-count=\"{key}\" data-value=\"{n}\"><span class=\"n\">{n}</span>{label}</div>"
        );
    }
    h.push_str("</div><table class=\"severities\"><tr><th>Failing by severity</th>");
    let order = ["critical", "high", "medium", "low", "info"];
    for s in order {
        let _ = write!(h, "<th><span class=\"badge sev-{s}\">{s}</span></th>");
    }
    h.push_str("</tr><tr><td>findings</td>");
    for s in order {
        let n = r.summary.failing_by_severity.get(s).copied().unwrap_or(0);
        let _ = write!(h, "<td data-severity=\"{s}\">{n}</td>");
    }
    h.push_str("</tr></table></section>\n");
}

fn practices(h: &mut String, r: &Report) {
    h.push_str("<section id=\"practices\"><h2>Well-Architected practices at a glance</h2>");
    let total = r.wa_rollup.len().max(1);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &r.wa_rollup {
        *counts.entry(p.status.as_str()).or_default() += 1;
    }
    h.push_str("<div class=\"tiles\">");
    for (status, label) in VERDICTS {
        let n = counts.get(status).copied().unwrap_or(0);
        let _ = write!(
            h,
            "<div class=\"tile\" data-verdict=\"{status}\" data-value=\"{n}\"><span class=\"n\">{n}</span><span class=\"badge v-{status}\">{label}</span></div>"
        );
    }
    h.push_str("</div><div class=\"bar\" aria-hidden=\"true\">");
    for (status, label) in VERDICTS {
        let n = counts.get(status).copied().unwrap_or(0);
        if n > 0 {
            let _ = write!(
                h,
                "<span class=\"v-{status}\" style=\"width:{:.2}%\" title=\"{label}: {n}\"></span>",
                n as f64 * 100.0 / total as f64
            );
        }
    }
    h.push_str("</div>");
    h.push_str(
        "<table class=\"practices\"><thead><tr><th>Practice</th><th>Title</th><th>Risk if not established</th>\
         <th>Verdict</th><th>Checks</th><th>Fail / not assessed / pass</th></tr></thead><tbody>",
    );
    for p in &r.wa_rollup {
        let checks: Vec<String> = p
            .checks
            .iter()
            .map(|c| {
                if r.checks.iter().any(|k| &k.code == c) {
                    format!("<a href=\"#check-{0}\">{0}</a>", esc(c))
                } else {
                    esc(c)
                }
            })
            .collect();
        let _ = write!(
            h,
            "<tr class=\"practice\" data-practice=\"{id}\" data-status=\"{st}\"><td><code>{id}</code></td><td>{title}</td><td>{risk}</td>\
             <td><span class=\"badge v-{st}\">{label}</span></td><td>{checks}</td><td>{f} / {na} / {pass}</td></tr>",
            id = esc(&p.id),
            title = esc(&p.title),
            risk = esc(&p.risk),
            st = esc(&p.status),
            label = esc(verdict_label(&p.status)),
            checks = if checks.is_empty() {
                "none".to_owned()
            } else {
                checks.join(", ")
            },
            f = p.counts.fail,
            na = p.counts.not_assessed,
            pass = p.counts.pass,
        );
    }
    h.push_str("</tbody></table></section>\n");
}

/// The group a matrix row stands for, if any.
fn group_of<'r>(
    groups: &Groups<'r>,
    row: &auditor_model::s3::AccessRow,
) -> Option<&'r auditor_model::s3::PrincipalGroup> {
    groups.get(row.group.as_deref()?).copied()
}

/// The groups of principals the matrices' rows stand for, each listed once.
fn principal_groups(h: &mut String, r: &Report) {
    if r.state_access_groups.is_empty() {
        return;
    }
    h.push_str(
        "<h3>Groups of principals</h3><p class=\"muted\">Principals with the same access to a \
         bucket share one row; each group is listed here once.</p><dl class=\"groups\">",
    );
    for g in &r.state_access_groups {
        let _ = write!(
            h,
            "<dt id=\"group-{id}\">{id} ({n} principals)</dt><dd>",
            id = esc(&g.id),
            n = g.principals.len()
        );
        let names: Vec<String> = g
            .principals
            .iter()
            .map(|p| format!("<code>{}</code>", esc(p)))
            .collect();
        h.push_str(&names.join(", "));
        h.push_str("</dd>");
    }
    h.push_str("</dl>");
}

fn state_access(h: &mut String, r: &Report) {
    let groups = auditor_model::s3::groups_by_id(&r.state_access_groups);
    h.push_str("<section id=\"state-access\"><h2>Terraform state access</h2>");
    if r.state_access.is_empty() {
        h.push_str(
            "<p class=\"empty\">No Terraform state bucket was analysed in this audit (S3 not audited, or no bucket holds <code>.tfstate</code> keys).</p></section>\n",
        );
        return;
    }
    h.push_str(
        "<p>Who can read (R), read past versions of (V), write (W) and delete (D) each team's state, per state bucket, as IAM \
         and the bucket policy decide it. Principals that reach no team's state are not listed. \
         A row is <em>cross-team</em> when a principal reaches a team that is not its own.</p>",
    );
    for m in &r.state_access {
        let _ = write!(
            h,
            "<h3 class=\"bucket\" data-bucket=\"{b}\">Bucket <code>{b}</code>{region}</h3>",
            b = esc(&m.bucket),
            region = m
                .region
                .as_deref()
                .map(|r| format!(" <span class=\"muted\">({})</span>", esc(r)))
                .unwrap_or_default()
        );
        if let Some(why) = &m.not_assessed_reason {
            let _ = write!(h, "<p class=\"empty\">Not assessed: {}</p>", esc(why));
            continue;
        }
        let _ = write!(
            h,
            "<p class=\"muted\">{} principals evaluated; {} reach some team's state.</p>",
            m.principals_evaluated,
            m.rows
                .iter()
                .map(|row| group_of(&groups, row).map_or(1, |g| g.principals.len()))
                .sum::<usize>()
        );
        let _ = write!(
            h,
            "<table class=\"matrix\" data-bucket=\"{}\"><thead><tr><th>Principal</th><th>Its team</th>",
            esc(&m.bucket)
        );
        for t in &m.teams {
            let _ = write!(
                h,
                "<th title=\"{} keys under {}\">{}<br><code>{}</code></th>",
                t.keys,
                esc(&t.prefix),
                esc(&t.team),
                esc(&t.prefix)
            );
        }
        h.push_str("<th>Verdict</th></tr></thead><tbody>");
        for row in &m.rows {
            let _ = write!(
                h,
                "<tr class=\"principal {v}\" data-verdict=\"{v}\"><td><code>{p}</code>{more}</td><td>{teams}{how}</td>",
                v = esc(&row.verdict),
                p = esc(&row.principal),
                more = group_of(&groups, row).map_or(String::new(), |g| format!(
                    " <span class=\"muted\">and {} more, group <a href=\"#group-{id}\">{id}</a></span>",
                    g.principals.len().saturating_sub(1),
                    id = esc(&g.id)
                )),
                teams = if row.teams.is_empty() {
                    "unknown".to_owned()
                } else {
                    esc(&row.teams.join(", "))
                },
                how = if row.membership == "unknown" {
                    String::new()
                } else {
                    format!(" <span class=\"muted\">({})</span>", esc(&row.membership))
                }
            );
            for t in &m.teams {
                let cell = row.access.get(&t.team).map_or(String::from("–"), |a| {
                    let s: String = [
                        (a.read, 'R'),
                        (a.read_versions, 'V'),
                        (a.write, 'W'),
                        (a.delete, 'D'),
                    ]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, c)| *c)
                    .collect();
                    if s.is_empty() {
                        "–".into()
                    } else {
                        s
                    }
                });
                let _ = write!(h, "<td class=\"cell\">{cell}</td>");
            }
            let _ = write!(h, "<td class=\"verdict\">{}</td></tr>", esc(&row.verdict));
        }
        h.push_str("</tbody></table>");
        if !m.not_assessed.is_empty() {
            h.push_str("<p>Not decided for:</p><ul>");
            for n in &m.not_assessed {
                let _ = write!(
                    h,
                    "<li><code>{}</code>: {}</li>",
                    esc(&n.principal),
                    esc(&n.reason)
                );
            }
            h.push_str("</ul>");
        }
    }
    principal_groups(h, r);
    h.push_str("</section>\n");
}

fn changes_section(h: &mut String, c: &Changes) {
    h.push_str("<section id=\"changes\"><h2>Changes since the previous run</h2>");
    let Some(from) = c.from_run else {
        let _ = writeln!(
            h,
            "<p class=\"empty\" data-first-run=\"true\">Run {} is the first recorded run of this account: nothing to compare with.</p></section>",
            c.to_run
        );
        return;
    };
    let _ = write!(
        h,
        "<p>Run {from} → run {}: {} new, {} resolved, {} still open, {} no longer assessed.</p>",
        c.to_run,
        c.new.len(),
        c.resolved.len(),
        c.still_open.len(),
        c.not_assessed.len()
    );
    for (kind, title, entries) in [
        ("new", "New failures", &c.new),
        ("resolved", "Resolved", &c.resolved),
        (
            "not_assessed",
            "Failing before, not assessed in this run (unknown)",
            &c.not_assessed,
        ),
        ("still_open", "Still open", &c.still_open),
    ] {
        let _ = write!(
            h,
            "<h3>{title} ({})</h3><table class=\"changes\" data-kind=\"{kind}\" data-value=\"{}\">",
            entries.len(),
            entries.len()
        );
        if entries.is_empty() {
            h.push_str("<tr><td class=\"empty\">none</td></tr></table>");
            continue;
        }
        h.push_str("<tr><th>Check</th><th>Severity</th><th>Resource</th><th>Title</th></tr>");
        for e in entries {
            let _ = write!(
                h,
                "<tr class=\"change\"><td>{}</td><td><span class=\"badge sev-{s}\">{s}</span></td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&e.code),
                esc(&e.resource_arn),
                esc(&e.title),
                s = esc(&e.severity)
            );
        }
        h.push_str("</table>");
    }
    h.push_str("</section>\n");
}

/// Each check's findings are shown once, under its first practice; its other practices link
/// there.
fn findings(h: &mut String, r: &Report) {
    h.push_str("<section id=\"findings\"><h2>Findings by practice</h2>");
    let open: Vec<&json_v1::Finding> = r.findings.iter().filter(|f| f.status != "pass").collect();
    if open.is_empty() {
        h.push_str("<p class=\"empty\">No failing or unassessed finding.</p></section>\n");
        return;
    }
    h.push_str(
        "<p>Failing and not assessed findings, grouped by the Well-Architected practice their \
         check serves (most severe first). Passing findings are counted under <a href=\"#checks\">Checks that ran</a>.</p>",
    );
    // Each check's findings are shown once, under the first of their practices that the
    // catalog holds (its other practices link there); findings of no practice of the
    // catalog (a stored run of an older catalog) under "Other findings".
    let mut codes: Vec<&str> = Vec::new();
    for f in &open {
        if !codes.contains(&f.code.as_str()) {
            codes.push(&f.code);
        }
    }
    let home = |code: &str| -> Option<&str> {
        let first = open.iter().find(|f| f.code == code)?;
        first
            .wa
            .iter()
            .map(|w| w.id.as_str())
            .find(|id| r.wa_rollup.iter().any(|p| p.id == *id))
    };
    let of = |code: &str| -> Vec<&&json_v1::Finding> {
        open.iter().filter(|f| f.code == code).collect()
    };
    for p in &r.wa_rollup {
        let here: Vec<&str> = codes
            .iter()
            .copied()
            .filter(|c| of(c).iter().any(|f| f.wa.iter().any(|w| w.id == p.id)))
            .collect();
        if here.is_empty() {
            continue;
        }
        let _ = write!(
            h,
            "<h3 id=\"practice-{id}\" class=\"practice-heading\"><code>{id}</code> {title} <span class=\"badge v-{st}\">{label}</span></h3>",
            id = esc(&p.id),
            title = esc(&p.title),
            st = esc(&p.status),
            label = esc(verdict_label(&p.status))
        );
        for code in here {
            let mine = of(code);
            match home(code) {
                Some(w) if w != p.id => {
                    let _ = write!(
                        h,
                        "<p class=\"see-also\"><a href=\"#check-{c}\">{c}</a> {} ({} findings): shown under <a href=\"#practice-{w}\">{w}</a>.</p>",
                        esc(&mine[0].title),
                        mine.len(),
                        c = esc(code),
                        w = esc(w)
                    );
                }
                _ => check_block(h, code, &mine),
            }
        }
    }
    let homeless: Vec<&str> = codes
        .iter()
        .copied()
        .filter(|c| home(c).is_none())
        .collect();
    if !homeless.is_empty() {
        h.push_str("<h3 id=\"practice-none\">Other findings</h3>");
        for code in homeless {
            check_block(h, code, &of(code));
        }
    }
    h.push_str("</section>\n");
}

fn check_block(h: &mut String, code: &str, mine: &[&&json_v1::Finding]) {
    let first = mine[0];
    let fails = mine.iter().filter(|f| f.status == "fail").count();
    let _ = write!(
        h,
        "<div class=\"check-block\" id=\"check-{c}\" data-code=\"{c}\"><h4>{c}: {} <span class=\"badge sev-{s}\">{s}</span> \
         <span class=\"muted\">{fails} failing, {} not assessed</span></h4>",
        esc(&first.title),
        mine.len() - fails,
        c = esc(code),
        s = esc(&first.severity)
    );
    let meta = auditor_checks::by_code(code).map(|c| c.meta());
    if let Some(why) = meta.map(|m| m.why()).filter(|w| !w.is_empty()) {
        let _ = write!(h, "<p class=\"why\">{}</p>", prose(&why));
    }
    for f in mine {
        finding(h, f);
    }
    let refs: Vec<String> = meta
        .map(|m| m.references())
        .unwrap_or_default()
        .iter()
        .map(|l| {
            if l.starts_with("https://") && !l.contains(char::is_whitespace) {
                format!("<a href=\"{0}\">{0}</a>", esc(l))
            } else {
                prose(l)
            }
        })
        .collect();
    if !refs.is_empty() {
        let _ = write!(
            h,
            "<p class=\"refs\"><strong>References:</strong> {}</p>",
            refs.join(" · ")
        );
    }
    h.push_str("</div>");
}

fn finding(h: &mut String, f: &json_v1::Finding) {
    let accepted = f.suppression.as_ref().is_some_and(|s| !s.expired);
    let _ = write!(
        h,
        "<article class=\"finding{}\" data-status=\"{st}\" data-code=\"{c}\" data-severity=\"{sev}\" data-fingerprint=\"{fp}\">\
         <div><span class=\"badge st-{st}\">{label}</span> <span class=\"badge sev-{sev}\">{sev}</span> {name}</div>\
         <div class=\"arn\"><code>{arn}</code>{region}</div>",
        if accepted { " suppressed" } else { "" },
        st = esc(&f.status),
        c = esc(&f.code),
        sev = esc(&f.severity),
        fp = esc(&f.fingerprint),
        label = esc(status_label(&f.status)),
        name = f
            .resource
            .name
            .as_deref()
            .map(|n| format!("<strong>{}</strong>", esc(n)))
            .unwrap_or_else(|| format!("<strong>{}</strong>", esc(&f.resource.id))),
        arn = esc(&f.resource.arn),
        region = f
            .resource
            .region
            .as_deref()
            .map(|r| format!(" <span class=\"muted\">{}</span>", esc(r)))
            .unwrap_or_default()
    );
    if let Some(reason) = &f.status_reason {
        let _ = write!(
            h,
            "<p class=\"reason\"><strong>Not assessed:</strong> {}</p>",
            esc(reason)
        );
    }
    if !f.evidence.is_empty() {
        h.push_str(
            "<table class=\"evidence\"><tr><th>Field</th><th>Observed</th><th>Why it matters</th></tr>",
        );
        for e in &f.evidence {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&e.field),
                esc(&e.observed),
                esc(&e.reason)
            );
        }
        h.push_str("</table>");
    }
    if f.status == "fail" {
        let _ = write!(
            h,
            "<p class=\"remediation\"><strong>Remediation:</strong> {}</p>",
            prose(&f.remediation)
        );
    }
    if let Some(s) = &f.suppression {
        let _ = write!(
            h,
            "<p class=\"suppression\"><strong>{}</strong> by {} until {}: {}</p>",
            if s.expired {
                "Accepted, expired"
            } else {
                "Accepted"
            },
            esc(&s.owner),
            esc(&s.expires),
            esc(&s.reason)
        );
    }
    h.push_str("</article>");
}

fn gaps(h: &mut String, r: &Report) {
    h.push_str("<section id=\"gaps\"><h2>Coverage gaps</h2>");
    if r.coverage_gaps.is_empty() {
        h.push_str("<p class=\"empty\">None: every API the checks read answered.</p></section>\n");
        return;
    }
    h.push_str(
        "<p>What the audit could not read, and the checks whose findings are incomplete because of \
         it. Where the audit role was refused, grant it the IAM action shown (all are read-only).</p>\
         <table class=\"gaps\"><thead><tr><th>Service</th><th>Region</th><th>IAM action</th><th>What happened</th><th>Checks affected</th></tr></thead><tbody>",
    );
    for g in &r.coverage_gaps {
        let action = if g.kind == "access_denied" {
            format!("grant <code>{}</code>", esc(&g.api))
        } else {
            format!("<code>{}</code>", esc(&g.api))
        };
        let _ = write!(
            h,
            "<tr class=\"gap\" data-kind=\"{k}\"><td>{}</td><td>{}</td><td>{action}</td><td>{}{}</td><td>{}</td></tr>",
            esc(&g.service),
            esc(g.region.as_deref().unwrap_or("global")),
            esc(&g.message),
            g.resource
                .as_deref()
                .map(|a| format!(" (<code>{}</code>)", esc(a)))
                .unwrap_or_default(),
            esc(&g.checks.join(", ")),
            k = esc(&g.kind)
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn checks(h: &mut String, r: &Report) {
    h.push_str(
        "<section id=\"checks\"><h2>Checks that ran</h2><table class=\"checks\"><thead><tr><th>Check</th><th>Title</th>\
         <th>Severity</th><th>Practices</th><th>Fail</th><th>Not assessed</th><th>Pass</th></tr></thead><tbody>",
    );
    for c in &r.checks {
        let _ = write!(
            h,
            "<tr class=\"check\" data-code=\"{code}\"><td>{code}</td><td>{}</td><td><span class=\"badge sev-{s}\">{s}</span></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.title),
            esc(&c.wa.join(", ")),
            c.counts.fail,
            c.counts.not_assessed,
            c.counts.pass,
            code = esc(&c.code),
            s = esc(&c.severity)
        );
    }
    h.push_str("</tbody></table></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_aws_cannot_become_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        // Reordering characters are shown, not obeyed.
        assert_eq!(esc("a\u{202E}b"), "a\\u{202e}b");
    }

    fn finding(code: &str, wa: &[&str], arn: &str, status: &str) -> serde_json::Value {
        serde_json::json!({
            "code": code, "name": "n", "title": "<x>\"title'", "severity": "high",
            "status": status, "resource": {"arn": arn, "account": "111122223333",
            "kind": "security-group", "id": "sg-<x>", "name": "<x>name"},
            "evidence": [{"field": "<x>f", "observed": "<x>\"o", "reason": "<x>r"}],
            "wa_ids": wa, "remediation": "fix `<x>` now", "fingerprint": format!("fp-{arn}")
        })
    }

    #[test]
    fn every_open_finding_is_shown_once_and_nothing_from_aws_becomes_markup() {
        let result: AuditResult = serde_json::from_value(serde_json::json!({
            "account_id": "111122223333", "partition": "aws",
            "caller_arn": "arn:aws:iam::111122223333:role/<x>", "assumed_role": null,
            "regions": ["eu-west-1"], "services": ["ec2"],
            "started_at": "2026-12-01T10:00:00Z", "finished_at": "2026-12-01T10:00:05Z",
            "checks_run": ["EC2-002"],
            "findings": [
                finding("EC2-002", &["SEC05-BP02", "SEC06-BP05"], "arn:a", "fail"),
                finding("EC2-002", &["SEC05-BP02", "SEC06-BP05"], "arn:b", "not_assessed"),
                // A stored run of a check (and practice) the catalog no longer has.
                finding("OLD-001", &["SEC99-BP99"], "arn:c", "fail"),
                finding("EC2-002", &["SEC05-BP02"], "arn:d", "pass"),
            ],
            "gaps": [{"service": "ec2", "region": "eu-west-1", "api": "ec2:Describe<x>",
                      "kind": "access_denied", "message": "<x>denied"}]
        }))
        .expect("result");
        let page = to_html(&result, None);
        for fp in ["fp-arn:a", "fp-arn:b", "fp-arn:c"] {
            assert_eq!(
                page.matches(&format!("data-fingerprint=\"{fp}\"")).count(),
                1,
                "{fp}"
            );
        }
        assert!(!page.contains("fp-arn:d"), "passes are counted, not listed");
        assert!(
            page.contains("id=\"practice-none\""),
            "the homeless finding has a place"
        );
        assert!(
            page.contains("see-also"),
            "its second practice links to the first"
        );
        assert!(!page.contains("<x>"), "no value from AWS is markup");
        assert!(page.contains("&lt;x&gt;"));
    }

    #[test]
    fn prose_turns_backticks_into_code_and_leaves_an_unpaired_one() {
        assert_eq!(
            prose("run `aws s3 ls <b>` now"),
            "run <code>aws s3 ls &lt;b&gt;</code> now"
        );
        assert_eq!(prose("a ` b"), "a ` b");
    }
}
