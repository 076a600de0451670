//! Text from AWS made safe to show a person: a terminal or a document must show what the
//! data holds, not what its control characters make it look like.

use std::borrow::Cow;

/// Whether `c` changes how text around it is shown rather than showing itself: C0 and C1
/// controls (escape sequences start with them), and the invisible format characters that
/// reorder or hide text (bidirectional overrides and isolates such as U+202E, zero-width
/// characters, the byte order mark). Newline is kept when `keep_newline`.
fn hides(c: char, keep_newline: bool) -> bool {
    (c.is_control() && !(keep_newline && c == '\n'))
        || matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn escape(s: &str, keep_newline: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| hides(c, keep_newline)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hides(c, keep_newline) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every control or invisible format character written as `\u{..}`, for one line
/// of human output (a message on standard error).
pub fn escape_line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// As [`escape_line`], keeping newlines: for a table cell, whose lines the table lays out.
pub fn escape_cell(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_reordering_characters_are_shown_not_obeyed() {
        assert_eq!(escape_line("plain key.tfstate"), "plain key.tfstate");
        assert!(matches!(escape_line("plain"), Cow::Borrowed(_)));
        // A right-to-left override that would show "gpj.exe" as "exe.jpg".
        assert_eq!(escape_line("a\u{202E}gpj.exe"), "a\\u{202e}gpj.exe");
        assert_eq!(escape_line("\x1b[2J\x1b[31mok"), "\\u{1b}[2J\\u{1b}[31mok");
        assert_eq!(escape_line("a\nb\tc\u{7f}"), "a\\u{a}b\\u{9}c\\u{7f}");
        assert_eq!(escape_cell("a\nb\r"), "a\nb\\u{d}");
        assert_eq!(
            escape_line("zero\u{200B}width\u{FEFF}"),
            "zero\\u{200b}width\\u{feff}"
        );
        assert_eq!(escape_line("naïve 東京 ✓"), "naïve 東京 ✓");
    }
}
