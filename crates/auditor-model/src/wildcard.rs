//! Wildcard patterns, matched without backtracking: the one matcher of the product.
//!
//! IAM actions and ARNs, ECR scanning filters, configured ARN patterns and S3 state
//! prefixes all use the same two wildcards: `*` matches any run of characters (including
//! none) and `?` exactly one character. [`Wildcard`] compiles a pattern once into its
//! literal segments; matching is then a left-to-right scan: the first segment must start
//! the text, the last must end it, and every segment between two stars is taken at its
//! leftmost occurrence (which is always a right choice for this pattern language, so no
//! earlier choice is ever revisited). Literal segments are found with `memchr`'s
//! substring search, linear in the text. The cost is at most the text length times the
//! longest segment holding a `?`, whatever the number of stars: a pattern of 10,000 stars
//! costs what one star does. (A naive recursive matcher backtracks exponentially on
//! `s3:**...*z`; see `tests/wildcard.rs` and the `wildcard` benchmark.)
//!
//! Matching is by Unicode character for `?` and byte-exact otherwise (case-sensitive);
//! callers that need case-insensitive matching (IAM actions) lowercase both sides.

use memchr::memmem;

/// Part of a pattern built from pieces: wildcard text, or text taken literally (the value
/// of an IAM policy variable, where `*` is a character, not a wildcard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    /// `*` and `?` are wildcards.
    Pattern(&'a str),
    /// Every character stands for itself.
    Literal(&'a str),
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// One or more stars: matches everything.
    Any,
    /// No wildcard: equality.
    Exact(Box<str>),
    /// `literal*`.
    Prefix(Box<str>),
    /// `*literal`.
    Suffix(Box<str>),
    /// `*literal*`.
    Contains(Box<str>),
    /// Anything else.
    General(General),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct General {
    /// The segment before the first star (the pattern does not start with one).
    head: Option<Seg>,
    /// Segments between stars.
    middle: Box<[Seg]>,
    /// The segment after the last star (the pattern does not end with one).
    tail: Option<Seg>,
    /// No star at all: `head` must match the whole text.
    whole: bool,
}

/// A run of the pattern without stars: literal bytes and `?`s.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seg {
    pieces: Box<[Piece]>,
    /// For an ASCII segment holding `?`s: its bit-parallel searcher.
    shift_and: Option<ShiftAnd>,
}

/// The Shift-And automaton of a fixed-length ASCII segment with `?`s: the leftmost
/// occurrence in ASCII text is found in one pass, `len/64` word operations per byte,
/// whatever the text (a naive search costs the segment's length per position).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ShiftAnd {
    len: usize,
    words: usize,
    /// Which masks a byte uses: an index into `masks`, 0 for bytes the segment does not
    /// name (they match only its `?`s).
    index: Box<[u16; 128]>,
    masks: Box<[Box<[u64]>]>,
}

impl ShiftAnd {
    fn new(pieces: &[Piece]) -> Option<ShiftAnd> {
        let mut units: Vec<Option<u8>> = Vec::new();
        for p in pieces {
            match p {
                Piece::Lit(l) => units.extend(l.iter().map(|b| Some(*b))),
                Piece::Any(n) => units.extend(std::iter::repeat_n(None, *n)),
            }
        }
        if units.iter().flatten().any(|b| !b.is_ascii()) || units.is_empty() {
            return None;
        }
        let len = units.len();
        let words = len.div_ceil(64);
        let mut any = vec![0u64; words];
        for (i, u) in units.iter().enumerate() {
            if u.is_none() {
                any[i / 64] |= 1 << (i % 64);
            }
        }
        let mut index = Box::new([0u16; 128]);
        let mut masks: Vec<Box<[u64]>> = vec![any.clone().into_boxed_slice()];
        for (i, u) in units.iter().enumerate() {
            let Some(b) = u else { continue };
            let slot = usize::from(*b);
            if index[slot] == 0 {
                index[slot] = u16::try_from(masks.len()).ok()?;
                masks.push(any.clone().into_boxed_slice());
            }
            masks[usize::from(index[slot])][i / 64] |= 1 << (i % 64);
        }
        Some(ShiftAnd {
            len,
            words,
            index,
            masks: masks.into(),
        })
    }

    /// The end of the leftmost occurrence in ASCII `text` at or after `from`.
    fn find(&self, text: &[u8], from: usize) -> Option<usize> {
        let mut d = vec![0u64; self.words];
        let top = (self.len - 1) / 64;
        let bit = 1u64 << ((self.len - 1) % 64);
        for (j, b) in text.iter().enumerate().skip(from) {
            let m = &self.masks[usize::from(self.index[usize::from(*b & 0x7f)])];
            let mut carry = 1u64;
            for (w, mw) in d.iter_mut().zip(m.iter()) {
                let next = *w >> 63;
                *w = ((*w << 1) | carry) & mw;
                carry = next;
            }
            if d[top] & bit != 0 {
                return Some(j + 1);
            }
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// These bytes (valid UTF-8, starting at a character boundary).
    Lit(Box<[u8]>),
    /// This many characters, whatever they are.
    Any(usize),
}

/// One token of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    One,
    Run,
}

/// Byte equality, inline for short strings (a call into `memcmp` costs more than the
/// comparison for the segments and prefixes policies hold).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 32 {
        return a == b;
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// The length in bytes of the UTF-8 character that starts with `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

impl Seg {
    fn literal(&self) -> Option<&[u8]> {
        match &*self.pieces {
            [Piece::Lit(l)] => Some(l),
            [] => Some(&[]),
            _ => None,
        }
    }

    /// Where the segment ends if it matches `text` at `pos`.
    fn match_at(&self, text: &[u8], mut pos: usize) -> Option<usize> {
        for p in self.pieces.iter() {
            match p {
                Piece::Lit(l) => {
                    if !text.get(pos..)?.starts_with(l) {
                        return None;
                    }
                    pos += l.len();
                }
                Piece::Any(n) => {
                    for _ in 0..*n {
                        let b = *text.get(pos)?;
                        pos += utf8_len(b);
                    }
                    if pos > text.len() {
                        return None;
                    }
                }
            }
        }
        Some(pos)
    }

    /// Whether the segment matches exactly the end of `text`, starting at `min_start` or later.
    fn match_suffix(&self, text: &[u8], min_start: usize) -> bool {
        let mut end = text.len();
        for p in self.pieces.iter().rev() {
            match p {
                Piece::Lit(l) => {
                    if end < l.len() || !text[..end].ends_with(l) {
                        return false;
                    }
                    end -= l.len();
                }
                Piece::Any(n) => {
                    for _ in 0..*n {
                        if end == 0 {
                            return false;
                        }
                        end -= 1;
                        while end > 0 && (text[end] & 0xc0) == 0x80 {
                            end -= 1;
                        }
                    }
                }
            }
        }
        end >= min_start
    }

    /// The end of the leftmost occurrence at or after `from` (`ascii`: whether `text` is).
    fn find_from(&self, text: &[u8], from: usize, ascii: bool) -> Option<usize> {
        let rest = text.get(from..)?;
        if let Some(l) = self.literal() {
            return memmem::find(rest, l).map(|i| from + i + l.len());
        }
        if let (Some(sa), true) = (&self.shift_and, ascii) {
            return sa.find(text, from);
        }
        match self.pieces.first() {
            Some(Piece::Lit(first)) => {
                let finder = memmem::Finder::new(first);
                let mut at = from;
                while let Some(i) = finder.find(text.get(at..)?) {
                    let start = at + i;
                    if let Some(end) = self.match_at(text, start) {
                        return Some(end);
                    }
                    at = start + 1;
                }
                None
            }
            _ => {
                let mut start = from;
                while start <= text.len() {
                    if let Some(end) = self.match_at(text, start) {
                        return Some(end);
                    }
                    match text.get(start) {
                        Some(b) => start += utf8_len(*b),
                        None => break,
                    }
                }
                None
            }
        }
    }
}

fn segment(tokens: &[Token]) -> Seg {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut any = 0usize;
    for t in tokens {
        match t {
            Token::Char(c) => {
                if any > 0 {
                    pieces.push(Piece::Any(any));
                    any = 0;
                }
                lit.push(*c);
            }
            Token::One => {
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit).into_bytes().into()));
                }
                any += 1;
            }
            Token::Run => {}
        }
    }
    if any > 0 {
        pieces.push(Piece::Any(any));
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit.into_bytes().into()));
    }
    let shift_and = pieces
        .iter()
        .any(|p| matches!(p, Piece::Any(_)))
        .then(|| ShiftAnd::new(&pieces))
        .flatten();
    Seg {
        pieces: pieces.into(),
        shift_and,
    }
}

fn text_of(tokens: &[Token]) -> Option<Box<str>> {
    tokens
        .iter()
        .map(|t| match t {
            Token::Char(c) => Some(*c),
            _ => None,
        })
        .collect::<Option<String>>()
        .map(String::into_boxed_str)
}

impl Wildcard {
    /// Compiles `pattern`: `*` any run of characters, `?` one character.
    pub fn new(pattern: &str) -> Wildcard {
        Wildcard::from_parts(&[Part::Pattern(pattern)])
    }

    /// Compiles a pattern where only `*` is a wildcard (ECR scanning filters).
    pub fn star_only(pattern: &str) -> Wildcard {
        let tokens: Vec<Token> = pattern
            .chars()
            .map(|c| if c == '*' { Token::Run } else { Token::Char(c) })
            .collect();
        Wildcard::from_tokens(&tokens)
    }

    /// A literal: matches exactly `text`.
    pub fn literal(text: &str) -> Wildcard {
        Wildcard {
            kind: Kind::Exact(text.into()),
        }
    }

    /// Compiles a pattern made of wildcard text and literal text.
    pub fn from_parts(parts: &[Part<'_>]) -> Wildcard {
        let mut tokens = Vec::new();
        for p in parts {
            match p {
                Part::Pattern(s) => tokens.extend(s.chars().map(|c| match c {
                    '*' => Token::Run,
                    '?' => Token::One,
                    c => Token::Char(c),
                })),
                Part::Literal(s) => tokens.extend(s.chars().map(Token::Char)),
            }
        }
        Wildcard::from_tokens(&tokens)
    }

    fn from_tokens(tokens: &[Token]) -> Wildcard {
        let groups: Vec<&[Token]> = tokens.split(|t| *t == Token::Run).collect();
        let stars = groups.len() - 1;
        let kind = if stars == 0 {
            match text_of(tokens) {
                Some(t) => Kind::Exact(t),
                None => Kind::General(General {
                    head: Some(segment(tokens)),
                    middle: Box::new([]),
                    tail: None,
                    whole: true,
                }),
            }
        } else {
            let first = groups[0];
            let last = groups[groups.len() - 1];
            let inner: Vec<&[Token]> = groups[1..groups.len() - 1]
                .iter()
                .copied()
                .filter(|g| !g.is_empty())
                .collect();
            match (first.is_empty(), inner.as_slice(), last.is_empty()) {
                (true, [], true) => Kind::Any,
                (false, [], true) if text_of(first).is_some() => {
                    Kind::Prefix(text_of(first).unwrap_or_default())
                }
                (true, [], false) if text_of(last).is_some() => {
                    Kind::Suffix(text_of(last).unwrap_or_default())
                }
                (true, [one], true) if text_of(one).is_some() => {
                    Kind::Contains(text_of(one).unwrap_or_default())
                }
                _ => Kind::General(General {
                    head: (!first.is_empty()).then(|| segment(first)),
                    middle: inner.iter().map(|g| segment(g)).collect(),
                    tail: (!last.is_empty()).then(|| segment(last)),
                    whole: false,
                }),
            }
        };
        Wildcard { kind }
    }

    /// Whether the pattern matches every text (`*`).
    pub fn matches_everything(&self) -> bool {
        matches!(self.kind, Kind::Any)
    }

    /// The pattern's text when it has no wildcard.
    pub fn as_literal(&self) -> Option<&str> {
        match &self.kind {
            Kind::Exact(s) => Some(s),
            _ => None,
        }
    }

    /// Whether `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        let t = text.as_bytes();
        match &self.kind {
            Kind::Any => true,
            Kind::Exact(s) => same(t, s.as_bytes()),
            Kind::Prefix(s) => t.len() >= s.len() && same(&t[..s.len()], s.as_bytes()),
            Kind::Suffix(s) => t.len() >= s.len() && same(&t[t.len() - s.len()..], s.as_bytes()),
            Kind::Contains(s) => memmem::find(t, s.as_bytes()).is_some(),
            Kind::General(g) => {
                let mut pos = 0;
                if let Some(h) = &g.head {
                    match h.match_at(t, 0) {
                        Some(end) => pos = end,
                        None => return false,
                    }
                    if g.whole {
                        return pos == t.len();
                    }
                }
                let ascii = !g.middle.is_empty() && text.is_ascii();
                for m in g.middle.iter() {
                    match m.find_from(t, pos, ascii) {
                        Some(end) => pos = end,
                        None => return false,
                    }
                }
                match &g.tail {
                    Some(tail) => tail.match_suffix(t, pos),
                    None => true,
                }
            }
        }
    }
}

/// One step of a pattern made of parts.
#[derive(Clone, Copy)]
enum Item<'a> {
    /// `*`.
    Run,
    /// `?`.
    One,
    /// Literal bytes, up to the next wildcard or the end of the part.
    Lit(&'a [u8]),
    End,
}

/// The item at `at` (part, byte offset) and the position after it.
fn item<'a>(parts: &[Part<'a>], mut at: (usize, usize)) -> (Item<'a>, (usize, usize)) {
    loop {
        let Some(part) = parts.get(at.0) else {
            return (Item::End, at);
        };
        let (s, wild) = match part {
            Part::Pattern(s) => (s.as_bytes(), true),
            Part::Literal(s) => (s.as_bytes(), false),
        };
        let Some(rest) = s.get(at.1..).filter(|r| !r.is_empty()) else {
            at = (at.0 + 1, 0);
            continue;
        };
        if wild {
            match rest[0] {
                b'*' => return (Item::Run, (at.0, at.1 + 1)),
                b'?' => return (Item::One, (at.0, at.1 + 1)),
                _ => {
                    let n = memchr::memchr2(b'*', b'?', rest).unwrap_or(rest.len());
                    return (Item::Lit(&rest[..n]), (at.0, at.1 + n));
                }
            }
        }
        return (Item::Lit(rest), (at.0 + 1, 0));
    }
}

/// Whether `text` matches the pattern made of `parts`, without compiling it: for patterns
/// assembled per request (policy variables resolved). It is the classic two-pointer
/// matcher over runs of literal bytes: on a mismatch it retries only from the last star, at
/// the next place the literal after that star occurs (found with `memchr`), so it never
/// backtracks beyond it (at most text length × pattern length steps) and allocates nothing.
pub fn matches_parts(parts: &[Part<'_>], text: &str) -> bool {
    let t = text.as_bytes();
    let mut at = (0usize, 0usize);
    let mut i = 0usize;
    let mut star: Option<((usize, usize), usize)> = None;
    loop {
        let (it, next) = item(parts, at);
        match it {
            Item::Run => {
                let mut resume = next;
                while let (Item::Run, n) = item(parts, resume) {
                    resume = n;
                }
                if let (Item::End, _) = item(parts, resume) {
                    return true;
                }
                star = Some((resume, i));
                at = resume;
                continue;
            }
            Item::One if i < t.len() => {
                i += utf8_len(t[i]);
                at = next;
                continue;
            }
            Item::Lit(run) if t[i..].starts_with(run) => {
                i += run.len();
                at = next;
                continue;
            }
            Item::End if i == t.len() => return true,
            _ => {}
        }
        let Some((resume, from)) = star else {
            return false;
        };
        if from >= t.len() {
            return false;
        }
        let mut from = from + utf8_len(t[from]);
        if let (Item::Lit(run), _) = item(parts, resume) {
            match memmem::find(&t[from..], run) {
                Some(k) => from += k,
                None => return false,
            }
        }
        star = Some((resume, from));
        at = resume;
        i = from;
    }
}

/// Byte equality of two strings, inline for short ones.
pub fn same_text(a: &str, b: &str) -> bool {
    same(a.as_bytes(), b.as_bytes())
}

/// Whether `text` matches `pattern` (`*` and `?`), compiling the pattern on the way.
pub fn matches(pattern: &str, text: &str) -> bool {
    Wildcard::new(pattern).is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook dynamic programme over characters: the reference the matcher is
    /// compared with (quadratic, obviously right).
    fn reference(pattern: &[Token], text: &str) -> bool {
        let t: Vec<char> = text.chars().collect();
        let mut row = vec![false; t.len() + 1];
        row[0] = true;
        for p in pattern {
            let mut next = vec![false; t.len() + 1];
            match p {
                Token::Run => {
                    let mut any = false;
                    for j in 0..=t.len() {
                        any |= row[j];
                        next[j] = any;
                    }
                }
                Token::One => {
                    next[1..].copy_from_slice(&row[..t.len()]);
                }
                Token::Char(c) => {
                    for j in 1..=t.len() {
                        next[j] = row[j - 1] && t[j - 1] == *c;
                    }
                }
            }
            row = next;
        }
        row[t.len()]
    }

    fn tokens(p: &str) -> Vec<Token> {
        p.chars()
            .map(|c| match c {
                '*' => Token::Run,
                '?' => Token::One,
                c => Token::Char(c),
            })
            .collect()
    }

    #[test]
    fn shapes() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("**", "anything", true),
            ("", "", true),
            ("", "a", false),
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("s3:Get*", "s3:GetObject", true),
            ("*Object", "s3:GetObject", true),
            ("*Obj*", "s3:GetObject", true),
            ("s3:?et*", "s3:GetObject", true),
            ("s3:?et*", "s3:Put", false),
            ("a*b*c", "a-x-b-y-c", true),
            ("a*b*c", "a-x-c-y-b", false),
            ("a*a", "a", false),
            ("a*a", "aa", true),
            ("?", "é", true),
            ("??", "é", false),
            ("*é?", "xéy", true),
            ("arn:aws:s3:::b/*/x", "arn:aws:s3:::b/k/x", true),
            ("a?c*?", "abcd", true),
            ("a?c*?", "abc", false),
            ("*a?c*", "xxabcxx", true),
            ("*a?c*", "xxacxx", false),
            ("*?b?*", "ab", false),
            ("*?b?*", "abc", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(Wildcard::new(p).is_match(t), *want, "{p} vs {t}");
            assert_eq!(reference(&tokens(p), t), *want, "reference {p} vs {t}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parts_agree_with_the_compiled_matcher(
            a in "[ab*?]{0,6}",
            lit in "[ab*?]{0,3}",
            b in "[ab*?]{0,6}",
            text in "[ab*?]{0,12}",
        ) {
            let parts = [Part::Pattern(&a), Part::Literal(&lit), Part::Pattern(&b)];
            proptest::prop_assert_eq!(
                matches_parts(&parts, &text),
                Wildcard::from_parts(&parts).is_match(&text),
                "{:?} vs {}", parts, text
            );
        }
    }

    #[test]
    fn literal_parts_keep_their_stars() {
        let w = Wildcard::from_parts(&[
            Part::Pattern("home/"),
            Part::Literal("a*b"),
            Part::Pattern("/*"),
        ]);
        assert!(w.is_match("home/a*b/x"));
        assert!(!w.is_match("home/aXb/x"));
    }

    #[test]
    fn star_only_takes_question_marks_literally() {
        assert!(Wildcard::star_only("prod/?x*").is_match("prod/?x1"));
        assert!(!Wildcard::star_only("prod/?x*").is_match("prod/ax1"));
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_reference(
            pattern in "[ab\u{e9}*?]{0,12}",
            text in "[ab\u{e9}]{0,14}",
        ) {
            proptest::prop_assert_eq!(
                Wildcard::new(&pattern).is_match(&text),
                reference(&tokens(&pattern), &text),
                "{} vs {}", pattern, text
            );
        }
    }

    #[test]
    fn adversarial_patterns_decide() {
        let stars = format!("s3:{}z", "*".repeat(10_000));
        assert!(!matches(&stars, &format!("s3:{}", "a".repeat(10_000))));
        assert!(matches(&stars, &format!("s3:{}z", "a".repeat(10_000))));
        let alternating = format!("{}b", "a*".repeat(5_000));
        assert!(!matches(&alternating, &"a".repeat(10_000)));
        let long_segment = format!("*{}b*", "a".repeat(5_000));
        assert!(!matches(&long_segment, &"a".repeat(10_000)));
        let questions = format!("*{}b", "a?".repeat(30));
        assert!(!matches(&questions, &"a".repeat(10_000)));
        let long_questions = format!("*{}b*", "a?".repeat(5_000));
        assert!(!matches(&long_questions, &"a".repeat(10_000)));
        assert!(matches(
            &long_questions,
            &format!("{}b", "a".repeat(10_000))
        ));
    }
}
