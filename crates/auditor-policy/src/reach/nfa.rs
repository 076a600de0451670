//! Strings as automata, and a solver that finds a string meeting a boolean combination of
//! them.
//!
//! Every string a condition or an element can test (a principal ARN, a key's value, a
//! resource ARN) is constrained by patterns: `StringLike` globs, literal values, ARN
//! patterns matched segment by segment, and the shape of the thing itself (an account is
//! twelve digits). Each compiles to a small nondeterministic automaton over characters,
//! without empty moves. The solver runs all of a variable's automata together, tracking
//! the set of states each can be in (so a negated pattern is as easy as a positive one),
//! breadth first over an alphabet that is exact for the question: every character the
//! automata name, and one character for each class of characters they do not tell apart.
//! It answers with a shortest string that meets every constraint, that none exists, or,
//! past a budget of states, that it does not know.

use std::collections::HashMap;

/// Characters a transition accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Class {
    Any,
    /// One character.
    Char(char),
    /// One ASCII letter in either case (stored lowercase), or another character exactly.
    Fold(char),
    Digit,
    /// `A-Z` and `0-9`, as in unique ids.
    IdChar,
    /// `a-z` and `0-9`, as in organisation ids.
    LowerAlnum,
    /// `A-Za-z0-9` and `+=,.@_-`: the characters of IAM names.
    Name,
}

/// A class, less some characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CharSet {
    class: Class,
    except: Vec<char>,
}

impl CharSet {
    pub(crate) fn of(class: Class) -> CharSet {
        CharSet {
            class,
            except: Vec::new(),
        }
    }

    pub(crate) fn any_but(c: char) -> CharSet {
        CharSet {
            class: Class::Any,
            except: vec![c],
        }
    }

    pub(crate) fn contains(&self, c: char) -> bool {
        let inside = match &self.class {
            Class::Any => true,
            Class::Char(x) => *x == c,
            Class::Fold(x) => c.to_ascii_lowercase() == *x || c == *x,
            Class::Digit => c.is_ascii_digit(),
            Class::IdChar => c.is_ascii_uppercase() || c.is_ascii_digit(),
            Class::LowerAlnum => c.is_ascii_lowercase() || c.is_ascii_digit(),
            Class::Name => c.is_ascii_alphanumeric() || "+=,.@_-".contains(c),
        };
        inside && !self.except.contains(&c)
    }

    fn without(&self, c: char) -> CharSet {
        let mut s = self.clone();
        if !s.except.contains(&c) {
            s.except.push(c);
        }
        s
    }

    /// The characters this set names (for the alphabet).
    fn named(&self, out: &mut Vec<char>) {
        match self.class {
            Class::Char(c) => out.push(c),
            Class::Fold(c) => {
                out.push(c);
                out.push(c.to_ascii_uppercase());
            }
            _ => {}
        }
        out.extend(self.except.iter().copied());
    }
}

/// An automaton without empty moves: states `0..n`, one start state.
#[derive(Debug, Clone)]
pub(crate) struct Nfa {
    trans: Vec<Vec<(CharSet, u32)>>,
    accept: Vec<bool>,
    start: u32,
}

/// A piece of a glob: text whose `*` and `?` are wildcards, or literal text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum GlobPart<'a> {
    Pattern(&'a str),
    Literal(&'a str),
}

impl Nfa {
    fn new() -> Nfa {
        Nfa {
            trans: vec![Vec::new()],
            accept: vec![false],
            start: 0,
        }
    }

    fn add_state(&mut self) -> u32 {
        self.trans.push(Vec::new());
        self.accept.push(false);
        (self.trans.len() - 1) as u32
    }

    fn len(&self) -> usize {
        self.trans.len()
    }

    /// Exactly `text` (ASCII letters in either case when `fold`).
    pub(crate) fn literal(text: &str, fold: bool) -> Nfa {
        Nfa::glob(&[GlobPart::Literal(text)], fold, &CharSet::of(Class::Any))
    }

    /// Every string of `set`'s characters, `min` or more of them (at most `max`).
    pub(crate) fn repeat(set: CharSet, min: usize, max: Option<usize>) -> Nfa {
        let mut n = Nfa::new();
        let mut cur = 0u32;
        for _ in 0..min {
            let next = n.add_state();
            n.trans[cur as usize].push((set.clone(), next));
            cur = next;
        }
        n.accept[cur as usize] = true;
        match max {
            None => n.trans[cur as usize].push((set, cur)),
            Some(max) => {
                for _ in min..max {
                    let next = n.add_state();
                    n.trans[cur as usize].push((set.clone(), next));
                    n.accept[next as usize] = true;
                    cur = next;
                }
            }
        }
        n
    }

    /// Any string.
    pub(crate) fn anything() -> Nfa {
        Nfa::repeat(CharSet::of(Class::Any), 0, None)
    }

    /// A glob: `*` any run of characters in `star`, `?` one character in `star`.
    pub(crate) fn glob(parts: &[GlobPart<'_>], fold: bool, star: &CharSet) -> Nfa {
        let mut n = Nfa::new();
        let mut cur = 0u32;
        let lit = |c: char| {
            CharSet::of(if fold && c.is_ascii_alphabetic() {
                Class::Fold(c.to_ascii_lowercase())
            } else {
                Class::Char(c)
            })
        };
        for part in parts {
            let (text, wild) = match part {
                GlobPart::Pattern(t) => (*t, true),
                GlobPart::Literal(t) => (*t, false),
            };
            for c in text.chars() {
                match c {
                    '*' if wild => {
                        if !n.trans[cur as usize]
                            .iter()
                            .any(|(s, t)| *t == cur && s == star)
                        {
                            n.trans[cur as usize].push((star.clone(), cur));
                        }
                    }
                    '?' if wild => {
                        let next = n.add_state();
                        n.trans[cur as usize].push((star.clone(), next));
                        cur = next;
                    }
                    c => {
                        let next = n.add_state();
                        n.trans[cur as usize].push((lit(c), next));
                        cur = next;
                    }
                }
            }
        }
        n.accept[cur as usize] = true;
        n
    }

    /// `self` then `other`.
    pub(crate) fn then(mut self, other: &Nfa) -> Nfa {
        let offset = self.len() as u32;
        for (t, a) in other.trans.iter().zip(&other.accept) {
            self.trans
                .push(t.iter().map(|(s, x)| (s.clone(), x + offset)).collect());
            self.accept.push(*a);
        }
        let start_moves: Vec<(CharSet, u32)> = other.trans[other.start as usize]
            .iter()
            .map(|(s, x)| (s.clone(), x + offset))
            .collect();
        let start_accepts = other.accept[other.start as usize];
        for q in 0..offset as usize {
            if self.accept[q] {
                self.trans[q].extend(start_moves.iter().cloned());
                self.accept[q] = start_accepts;
            }
        }
        self
    }

    /// Strings of any of `list`.
    pub(crate) fn union(list: &[Nfa]) -> Nfa {
        let mut n = Nfa::new();
        for other in list {
            let offset = n.len() as u32;
            for (t, a) in other.trans.iter().zip(&other.accept) {
                n.trans
                    .push(t.iter().map(|(s, x)| (s.clone(), x + offset)).collect());
                n.accept.push(*a);
            }
            let moves: Vec<(CharSet, u32)> = other.trans[other.start as usize]
                .iter()
                .map(|(s, x)| (s.clone(), x + offset))
                .collect();
            n.trans[0].extend(moves);
            n.accept[0] |= other.accept[other.start as usize];
        }
        n
    }

    /// The same strings, less those holding `c`.
    pub(crate) fn without(mut self, c: char) -> Nfa {
        for t in &mut self.trans {
            for (s, _) in t.iter_mut() {
                *s = s.without(c);
            }
        }
        self
    }

    /// The strings of `self` with each `:` they read written as `chain` instead.
    pub(crate) fn colon_as(mut self, chain: &str) -> Nfa {
        let chars: Vec<char> = chain.chars().collect();
        let n = self.len();
        for q in 0..n {
            let moves = std::mem::take(&mut self.trans[q]);
            let mut kept = Vec::new();
            for (s, t) in moves {
                if s.contains(':') {
                    // Through a chain of fresh states spelling `chain`.
                    let mut cur = q as u32;
                    for (i, c) in chars.iter().enumerate() {
                        let next = if i + 1 == chars.len() {
                            t
                        } else {
                            self.add_state()
                        };
                        let set = CharSet::of(Class::Char(*c));
                        if cur as usize == q {
                            kept.push((set, next));
                        } else {
                            self.trans[cur as usize].push((set, next));
                        }
                        cur = next;
                    }
                    kept.push((s.without(':'), t));
                } else {
                    kept.push((s, t));
                }
            }
            self.trans[q] = kept;
        }
        self
    }

    /// A path of names: `name(/name)*`.
    pub(crate) fn names_path() -> Nfa {
        let mut n = Nfa::new();
        let b = n.add_state();
        let name = CharSet::of(Class::Name);
        n.trans[0].push((name.clone(), b));
        n.trans[b as usize].push((name, b));
        n.trans[b as usize].push((CharSet::of(Class::Char('/')), 0));
        n.accept[b as usize] = true;
        n
    }

    pub(crate) fn accepts(&self, text: &str) -> bool {
        let mut cur = vec![self.start];
        for c in text.chars() {
            let mut next = Vec::new();
            for q in &cur {
                for (s, t) in &self.trans[*q as usize] {
                    if s.contains(c) && !next.contains(t) {
                        next.push(*t);
                    }
                }
            }
            if next.is_empty() {
                return false;
            }
            cur = next;
        }
        cur.iter().any(|q| self.accept[*q as usize])
    }

    fn named_chars(&self, out: &mut Vec<char>) {
        for t in &self.trans {
            for (s, _) in t {
                s.named(out);
            }
        }
    }
}

/// A boolean combination of "automaton `i` accepts".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Sym {
    True,
    False,
    Accepts(usize),
    Not(Box<Sym>),
    And(Vec<Sym>),
}

impl Sym {
    pub(crate) fn not(self) -> Sym {
        match self {
            Sym::True => Sym::False,
            Sym::False => Sym::True,
            Sym::Not(x) => *x,
            x => Sym::Not(Box::new(x)),
        }
    }

    fn eval(&self, acc: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Sym::True => true,
            Sym::False => false,
            Sym::Accepts(i) => acc(*i),
            Sym::Not(x) => !x.eval(acc),
            Sym::And(l) => l.iter().all(|x| x.eval(acc)),
        }
    }

    /// Whether it can still become true, given which automata are dead (can accept
    /// nothing more): `None` when it can, `Some(v)` when it is `v` for good.
    fn settled(&self, dead: &dyn Fn(usize) -> bool) -> Option<bool> {
        match self {
            Sym::True => Some(true),
            Sym::False => Some(false),
            Sym::Accepts(i) => dead(*i).then_some(false),
            Sym::Not(x) => x.settled(dead).map(|v| !v),
            Sym::And(l) => {
                let mut all = Some(true);
                for x in l {
                    match x.settled(dead) {
                        Some(false) => return Some(false),
                        Some(true) => {}
                        None => all = None,
                    }
                }
                all
            }
        }
    }

    fn automata(&self, out: &mut Vec<usize>) {
        match self {
            Sym::Accepts(i) => out.push(*i),
            Sym::Not(x) => x.automata(out),
            Sym::And(l) => l.iter().for_each(|x| x.automata(out)),
            _ => {}
        }
    }
}

/// The solver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    Yes(String),
    No,
    /// The budget ran out.
    Unknown,
}

/// The most steps (a product state's move on one character, per automaton) one question
/// may take: what bounds its time, whatever the size of the automata.
const BUDGET: usize = 4_000_000;

/// Characters tried for the classes the automata do not name, in order of preference
/// (what a witness reads best with). The last group ends with characters no policy is
/// likely to name, so that "a character none of the automata names" always has a
/// representative: the alphabet is exact.
const PROBES: &[&str] = &[
    "xyzqwjkvbnmhgfdsaplroiuetc",
    "XQZJKVWYBNMHGFDSAPLROIUETC",
    "7358924601",
    "-_.@+=,",
    "/:# !~;\\'\"<>|^`{}[]()&%$*?\u{7f}\u{e9}\u{df}\u{3bb}\u{4e2d}\u{1f600}\u{10fffd}",
];

/// A shortest string meeting every constraint: each `Sym` over `automata` must hold.
#[cfg(test)]
pub(crate) fn solve(automata: &[Nfa], constraints: &[Sym]) -> Found {
    solve_counted(automata, constraints).0
}

/// [`solve`], with the steps it took (states visited × alphabet × automata).
pub(crate) fn solve_counted(automata: &[Nfa], constraints: &[Sym]) -> (Found, usize) {
    let (found, seen) = search(automata, constraints);
    (found, seen)
}

fn search(automata: &[Nfa], constraints: &[Sym]) -> (Found, usize) {
    // The automata the constraints use.
    let mut used = Vec::new();
    for c in constraints {
        c.automata(&mut used);
    }
    used.sort_unstable();
    used.dedup();
    let mut named = Vec::new();
    for i in &used {
        automata[*i].named_chars(&mut named);
    }
    let mut alphabet: Vec<char> = Vec::new();
    for c in named {
        if !alphabet.contains(&c) {
            alphabet.push(c);
        }
    }
    for probe in PROBES {
        if let Some(c) = probe.chars().find(|c| !alphabet.contains(c)) {
            alphabet.push(c);
        }
    }
    // Sets of states, per used automaton.
    type State = Vec<Vec<u32>>;
    let index: HashMap<usize, usize> = used.iter().enumerate().map(|(k, i)| (*i, k)).collect();
    let start: State = used.iter().map(|i| vec![automata[*i].start]).collect();
    let accepts = |s: &State, i: usize| -> bool {
        let k = index[&i];
        s[k].iter().any(|q| automata[i].accept[*q as usize])
    };
    let goal = |s: &State| constraints.iter().all(|c| c.eval(&|i| accepts(s, i)));
    let hopeless = |s: &State| {
        constraints
            .iter()
            .any(|c| c.settled(&|i| s[index[&i]].is_empty()) == Some(false))
    };
    if hopeless(&start) {
        return (Found::No, 0);
    }
    // What one state's moves cost: a move per character of the alphabet, per automaton.
    let step = (alphabet.len() * used.len()).max(1);
    let mut seen: HashMap<State, (usize, char)> = HashMap::new();
    let mut order: Vec<State> = vec![start.clone()];
    seen.insert(start, (usize::MAX, '\0'));
    let mut head = 0;
    while head < order.len() {
        let s = order[head].clone();
        if goal(&s) {
            // Walk back to the start.
            let mut out = Vec::new();
            let mut cur = s;
            loop {
                let (parent, c) = seen[&cur];
                if parent == usize::MAX {
                    break;
                }
                out.push(c);
                cur = order[parent].clone();
            }
            out.reverse();
            let n = seen.len() * step;
            return (Found::Yes(out.into_iter().collect()), n);
        }
        for &c in &alphabet {
            let next: State = used
                .iter()
                .zip(&s)
                .map(|(i, set)| {
                    let mut n: Vec<u32> = Vec::new();
                    for q in set {
                        for (cs, t) in &automata[*i].trans[*q as usize] {
                            if cs.contains(c) && !n.contains(t) {
                                n.push(*t);
                            }
                        }
                    }
                    n.sort_unstable();
                    n
                })
                .collect();
            if seen.contains_key(&next) || hopeless(&next) {
                continue;
            }
            if seen.len() * step >= BUDGET {
                return (Found::Unknown, seen.len() * step);
            }
            seen.insert(next.clone(), (head, c));
            order.push(next);
        }
        head += 1;
    }
    (Found::No, seen.len() * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str) -> Nfa {
        Nfa::glob(&[GlobPart::Pattern(p)], false, &CharSet::of(Class::Any))
    }

    #[test]
    fn globs_literals_and_composition() {
        assert!(glob("a*b?c").accepts("a-xyb1c"));
        assert!(!glob("a*b?c").accepts("abc"));
        assert!(Nfa::literal("Role", true).accepts("rOLE"));
        let account = Nfa::literal("arn:aws:iam::", false)
            .then(&Nfa::repeat(CharSet::of(Class::Digit), 12, Some(12)))
            .then(&Nfa::literal(":root", false));
        assert!(account.accepts("arn:aws:iam::123456789012:root"));
        assert!(!account.accepts("arn:aws:iam::12345678901:root"));
        let u = Nfa::union(&[glob("a*"), Nfa::literal("b", false)]);
        assert!(u.accepts("b") && u.accepts("abc") && !u.accepts("c"));
        let fed = glob("1*:alice").colon_as(":federated-user/");
        assert!(fed.accepts("12:federated-user/alice"));
        assert!(!fed.accepts("12:alice"));
        assert!(!glob("a*").without('/').accepts("a/b"));
        assert!(Nfa::names_path().accepts("path/to/name"));
        assert!(!Nfa::names_path().accepts("path//name") && !Nfa::names_path().accepts("x/"));
    }

    #[test]
    fn the_solver_meets_positive_and_negated_patterns_or_proves_none() {
        let automata = vec![
            glob("repo:*"),
            glob("repo:org/*"),
            Nfa::literal("repo:org", false),
        ];
        // Another owner than `org`.
        let c = vec![
            Sym::Accepts(0),
            Sym::Accepts(1).not(),
            Sym::Accepts(2).not(),
        ];
        let Found::Yes(w) = solve(&automata, &c) else {
            panic!("a subject exists")
        };
        assert!(w.starts_with("repo:") && !w.starts_with("repo:org/") && w != "repo:org");
        // Within `org/` and outside it: none.
        assert_eq!(
            solve(&automata, &[Sym::Accepts(1), Sym::Accepts(0).not()]),
            Found::No
        );
        // Twelve digits, none of two accounts.
        let automata = vec![
            Nfa::repeat(CharSet::of(Class::Digit), 12, Some(12)),
            Nfa::literal("111122223333", false),
            glob("1111*"),
        ];
        let Found::Yes(w) = solve(
            &automata,
            &[Sym::Accepts(0), Sym::Accepts(2), Sym::Accepts(1).not()],
        ) else {
            panic!()
        };
        assert!(w.starts_with("1111") && w != "111122223333" && w.len() == 12);
    }
}
