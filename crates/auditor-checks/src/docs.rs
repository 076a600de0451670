//! Documentation generated from the registry: `auditor explain CODE` and `CHECKS.md`.

use crate::catalog::{catalog, REVISION};
use crate::{all, CheckMeta};

/// The WA ids of a check with their titles, one per line.
fn wa_lines(m: &CheckMeta) -> Vec<String> {
    m.wa.iter()
        .map(|id| match catalog().get(id) {
            Some(p) => format!("{id} {}", p.title),
            None => (*id).to_owned(),
        })
        .collect()
}

/// The full documentation of one check, as `auditor explain` prints it (Markdown).
pub fn explain(m: &CheckMeta) -> String {
    let mut s = format!("# {} {}: {}\n\n", m.code, m.name, m.title);
    s += &format!("- Service: {}\n", m.service);
    s += &format!("- Default severity: {}\n", m.severity);
    s += &format!("- Well-Architected (revision {REVISION}):\n");
    for l in wa_lines(m) {
        s += &format!("  - {l}\n");
    }
    if !m.fsbp.is_empty() {
        s += &format!(
            "- Security Hub (AWS Foundational Security Best Practices): {}\n",
            m.fsbp.join(", ")
        );
    }
    s += &format!("- Reads: {}\n\n", m.reads.join(", "));
    s += &m.doc_text();
    s.push('\n');
    s
}

/// `CHECKS.md`: every check, generated. A test fails when the file in the repository is stale.
pub fn checks_markdown() -> String {
    let mut s = String::from(
        "<!-- Generated from the check registry by `make checks-md`; do not edit by hand. -->\n\
         # Checks\n\n",
    );
    s += &format!(
        "Every check the auditor makes. Well-Architected ids are of the {REVISION} revision of \
         the Security pillar. `auditor explain CODE` prints the same text.\n\n"
    );
    s += "| code | name | severity | WA | FSBP | title |\n|---|---|---|---|---|---|\n";
    for c in all() {
        let m = c.meta();
        s += &format!(
            "| [{}](#{}) | `{}` | {} | {} | {} | {} |\n",
            m.code,
            anchor(m),
            m.name,
            m.severity,
            m.wa.join(", "),
            m.fsbp.join(", "),
            m.title
        );
    }
    s.push('\n');
    s += &crate::fsbp::markdown();
    for c in all() {
        let m = c.meta();
        s.push('\n');
        // Demote the check's own headings by one level under its section.
        let body = explain(m)
            .lines()
            .map(|l| {
                if l.starts_with('#') {
                    format!("#{l}")
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        s += &body;
        s.push('\n');
    }
    s
}

fn anchor(m: &CheckMeta) -> String {
    // GitHub's anchor of "## EC2-002 sg-open-admin-ports: Title words".
    format!("{} {}: {}", m.code, m.name, m.title)
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}
