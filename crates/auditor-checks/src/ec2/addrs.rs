//! Address sets: what several CIDRs admit together, and whether that is the whole internet.
//!
//! "The internet" is every globally reachable address: for IPv4, everything outside IANA's
//! special-purpose blocks that are not globally reachable (RFC 6890: private, shared,
//! loopback, link-local, documentation, benchmarking, multicast and reserved); for IPv6,
//! global unicast (`2000::/3`) outside the documentation block. A set of sources admits the
//! internet when it holds all of it, so `0.0.0.0/1` with `128.0.0.0/1`, or `0.0.0.0/0` with
//! or without private ranges beside it, does; `0.0.0.0/1` alone does not.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A CIDR as the inclusive range of addresses it names (host bits ignored, as EC2 does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    V4(u32, u32),
    V6(u128, u128),
}

/// Parses `10.0.0.0/8` or `2001:db8::/32`; `None` for anything else.
pub(crate) fn parse(cidr: &str) -> Option<Range> {
    let (addr, len) = cidr.trim().split_once('/')?;
    let len: u32 = len.trim().parse().ok()?;
    if let Ok(a) = addr.trim().parse::<Ipv4Addr>() {
        let mask = u32::MAX.checked_shl(32u32.checked_sub(len)?).unwrap_or(0);
        let lo = u32::from(a) & mask;
        return Some(Range::V4(lo, lo | !mask));
    }
    let a: Ipv6Addr = addr.trim().parse().ok()?;
    let mask = u128::MAX.checked_shl(128u32.checked_sub(len)?).unwrap_or(0);
    let lo = u128::from(a) & mask;
    Some(Range::V6(lo, lo | !mask))
}

/// An address of one family.
pub(crate) trait Addr: Copy + Ord {
    /// The next address, `None` past the last.
    fn succ(self) -> Option<Self>;
    /// The address before, `None` before the first.
    fn pred(self) -> Option<Self>;
}

impl Addr for u32 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

impl Addr for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

/// Addresses of one family as sorted, merged, inclusive spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Set<T> {
    spans: Vec<(T, T)>,
}

impl<T> Default for Set<T> {
    fn default() -> Self {
        Set { spans: Vec::new() }
    }
}

impl<T: Addr> Set<T> {
    /// Adds `lo..=hi`.
    pub(crate) fn insert(&mut self, lo: T, hi: T) {
        self.spans.push((lo.min(hi), lo.max(hi)));
        self.spans.sort();
        let mut merged: Vec<(T, T)> = Vec::with_capacity(self.spans.len());
        for &(lo, hi) in &self.spans {
            match merged.last_mut() {
                // Overlapping or adjacent: one span.
                Some(last) if last.1.succ().is_none_or(|next| lo <= next) => {
                    last.1 = last.1.max(hi);
                }
                _ => merged.push((lo, hi)),
            }
        }
        self.spans = merged;
    }

    /// Whether every address of `lo..=hi` is in the set.
    pub(crate) fn contains(&self, lo: T, hi: T) -> bool {
        // Spans are merged, so a covered range lies inside one of them.
        self.spans.iter().any(|&(a, b)| a <= lo && hi <= b)
    }

    /// Whether every span of `other` is in the set.
    pub(crate) fn contains_all(&self, other: &Set<T>) -> bool {
        other.spans.iter().all(|&(lo, hi)| self.contains(lo, hi))
    }

    /// Whether any address of `lo..=hi` is in the set.
    pub(crate) fn meets(&self, lo: T, hi: T) -> bool {
        self.spans.iter().any(|&(a, b)| a <= hi && lo <= b)
    }

    /// The parts of `lo..=hi` not in the set.
    pub(crate) fn outside(&self, lo: T, hi: T) -> Vec<(T, T)> {
        let mut out = Vec::new();
        let mut from = Some(lo);
        for &(a, b) in &self.spans {
            let Some(start) = from else { break };
            if b < start || a > hi {
                continue;
            }
            if a > start {
                if let Some(end) = a.pred() {
                    out.push((start, end.min(hi)));
                }
            }
            from = b.succ().filter(|n| *n <= hi);
        }
        if let Some(start) = from {
            if start <= hi {
                out.push((start, hi));
            }
        }
        out
    }

    /// The whole family less `holes`.
    fn all_but(first: T, last: T, holes: &[(T, T)]) -> Set<T> {
        let mut h = Set::default();
        for &(lo, hi) in holes {
            h.insert(lo, hi);
        }
        let mut s = Set::default();
        for (lo, hi) in h.outside(first, last) {
            s.insert(lo, hi);
        }
        s
    }
}

/// Addresses of both families.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Addrs {
    pub(crate) v4: Set<u32>,
    pub(crate) v6: Set<u128>,
}

impl Addrs {
    pub(crate) fn insert(&mut self, r: Range) {
        match r {
            Range::V4(lo, hi) => self.v4.insert(lo, hi),
            Range::V6(lo, hi) => self.v6.insert(lo, hi),
        }
    }

    /// The parts of `r` not in the set.
    pub(crate) fn outside(&self, r: Range) -> Vec<Range> {
        match r {
            Range::V4(lo, hi) => self
                .v4
                .outside(lo, hi)
                .into_iter()
                .map(|(a, b)| Range::V4(a, b))
                .collect(),
            Range::V6(lo, hi) => self
                .v6
                .outside(lo, hi)
                .into_iter()
                .map(|(a, b)| Range::V6(a, b))
                .collect(),
        }
    }

    /// Which families' whole internet the set holds: `(IPv4, IPv6)`.
    pub(crate) fn admits_internet(&self) -> (bool, bool) {
        let (v4, v6) = internet();
        (self.v4.contains_all(v4), self.v6.contains_all(v6))
    }
}

/// Whether `r` names any internet address (a private range does not).
pub(crate) fn is_public(r: Range) -> bool {
    let (v4, v6) = internet();
    match r {
        Range::V4(lo, hi) => v4.meets(lo, hi),
        Range::V6(lo, hi) => v6.meets(lo, hi),
    }
}

/// The internet of each family (see the module's documentation), built once.
fn internet() -> &'static (Set<u32>, Set<u128>) {
    static INTERNET: std::sync::OnceLock<(Set<u32>, Set<u128>)> = std::sync::OnceLock::new();
    INTERNET.get_or_init(build_internet)
}

fn build_internet() -> (Set<u32>, Set<u128>) {
    const NOT_GLOBAL_V4: [&str; 15] = [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
    ];
    let holes: Vec<(u32, u32)> = NOT_GLOBAL_V4
        .iter()
        .filter_map(|c| match parse(c) {
            Some(Range::V4(lo, hi)) => Some((lo, hi)),
            _ => None,
        })
        .collect();
    let v4 = Set::all_but(0, u32::MAX, &holes);
    let range6 = |c: &str| match parse(c) {
        Some(Range::V6(lo, hi)) => (lo, hi),
        _ => (0, 0),
    };
    let (first, last) = range6("2000::/3");
    let v6 = Set::all_but(first, last, &[range6("2001:db8::/32")]);
    (v4, v6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admits(cidrs: &[&str]) -> (bool, bool) {
        let mut a = Addrs::default();
        for c in cidrs {
            a.insert(parse(c).unwrap());
        }
        a.admits_internet()
    }

    #[test]
    fn cidrs_parse_to_their_ranges() {
        assert_eq!(parse("0.0.0.0/0"), Some(Range::V4(0, u32::MAX)));
        assert_eq!(
            parse("10.1.2.3/8"),
            Some(Range::V4(0x0a00_0000, 0x0aff_ffff))
        );
        assert_eq!(
            parse("1.2.3.4/32"),
            Some(Range::V4(0x0102_0304, 0x0102_0304))
        );
        assert_eq!(parse("::/0"), Some(Range::V6(0, u128::MAX)));
        assert!(parse("10.0.0.0/33").is_none());
        assert!(parse("10.0.0.0").is_none());
        assert!(parse("garbage/8").is_none());
        assert!(parse("::/129").is_none());
    }

    #[test]
    fn the_internet_is_admitted_whole_or_in_pieces() {
        assert_eq!(admits(&["0.0.0.0/0"]), (true, false));
        assert_eq!(admits(&["::/0"]), (false, true));
        assert_eq!(admits(&["0.0.0.0/1", "128.0.0.0/1"]), (true, false));
        assert_eq!(admits(&["::/1", "8000::/1"]), (false, true));
        // Adjacent halves of halves, in any order, with private ranges beside them.
        assert_eq!(
            admits(&[
                "192.0.0.0/2",
                "10.0.0.0/8",
                "0.0.0.0/2",
                "128.0.0.0/2",
                "64.0.0.0/2"
            ]),
            (true, false)
        );
        // Everything but the private ranges is still the whole internet.
        assert_eq!(
            admits(&[
                "0.0.0.0/5",
                "8.0.0.0/7",
                "11.0.0.0/8",
                "12.0.0.0/6",
                "16.0.0.0/4",
                "32.0.0.0/3",
                "64.0.0.0/2",
                "128.0.0.0/1"
            ]),
            (true, false)
        );
        assert_eq!(admits(&["2000::/3"]), (false, true));
        assert_eq!(admits(&["0.0.0.0/1"]), (false, false));
        assert_eq!(admits(&["0.0.0.0/1", "128.0.0.0/2"]), (false, false));
        assert_eq!(
            admits(&["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]),
            (false, false)
        );
        assert_eq!(admits(&[]), (false, false));
    }

    #[test]
    fn public_means_some_internet_address() {
        assert!(is_public(parse("0.0.0.0/0").unwrap()));
        assert!(is_public(parse("8.8.8.8/32").unwrap()));
        assert!(!is_public(parse("10.0.0.0/8").unwrap()));
        assert!(!is_public(parse("192.168.1.0/24").unwrap()));
        assert!(!is_public(parse("fd00::/8").unwrap()));
        assert!(is_public(parse("2600::/16").unwrap()));
    }

    #[test]
    fn outside_is_what_the_set_leaves() {
        let mut s = Set::<u32>::default();
        s.insert(10, 20);
        s.insert(30, 40);
        assert_eq!(s.outside(0, 50), vec![(0, 9), (21, 29), (41, 50)]);
        assert_eq!(s.outside(12, 18), vec![]);
        assert_eq!(s.outside(15, 35), vec![(21, 29)]);
        s.insert(21, 29);
        assert_eq!(s.spans, vec![(10, 40)]);
        let mut full = Set::<u32>::default();
        full.insert(0, u32::MAX);
        assert_eq!(full.outside(0, u32::MAX), vec![]);
        assert!(full.contains(0, u32::MAX));
    }
}
