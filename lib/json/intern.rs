//! The parser's interner: recent short strings shared, not reallocated.

use std::sync::Arc;

use super::hash::hash_bytes;
use super::string::utf8;

/// Strings up to this long are shared through the interner.
const INTERN_MAX_LEN: usize = 24;
/// The interner starts caching after this many short strings, so that
/// parsing a small message costs no table.
const INTERN_AFTER: u32 = 64;
const INTERN_SLOTS: usize = 1024;

/// One cached string with its hash, and whether it was found again since
/// it was last spared (see [`Interner::intern`]).
#[derive(Clone, Default)]
struct Slot {
    text: Option<Arc<str>>,
    /// The upper half of the string's hash (the lower bits chose the slot).
    hash: u32,
    hit: bool,
}

/// A small direct-mapped cache of recent short strings (member names,
/// `"map"`, `"set"`, `"uuid"`, ...): a repeated one costs a reference count
/// increment instead of an allocation. It lives as long as the parser, so a
/// JSON-RPC connection's parser shares names across messages.
#[derive(Default)]
pub(super) struct Interner {
    seen: u32,
    slots: Vec<Slot>,
}

/// `a == b` for short strings, without a call to `memcmp`.
#[inline(always)]
fn same_short(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Interner {
    /// True once the cache table exists.
    pub(super) fn holds_memory(&self) -> bool {
        !self.slots.is_empty()
    }

    /// `text` as a shared string: the cached one if its slot holds it,
    /// else a new one, which takes the slot unless the string there was
    /// found again since it last kept its slot (a second chance, so that
    /// one-off values such as MAC addresses do not push out the names that
    /// every row repeats).
    #[inline]
    pub(super) fn intern(&mut self, text: &str) -> Arc<str> {
        self.intern_with(text.as_bytes(), |_| Some(text))
            .unwrap_or_else(|| Arc::from(text))
    }

    /// [`Interner::intern`] of bytes not yet checked as UTF-8: a cached
    /// string equal to them is valid, so only a string not found is
    /// checked. `None` if they are not UTF-8.
    #[inline]
    pub(super) fn intern_bytes(&mut self, raw: &[u8]) -> Option<Arc<str>> {
        self.intern_with(raw, |r| utf8(r).ok())
    }

    #[inline(always)]
    fn intern_with<'a>(
        &mut self,
        raw: &'a [u8],
        text: impl FnOnce(&'a [u8]) -> Option<&'a str>,
    ) -> Option<Arc<str>> {
        if raw.len() > INTERN_MAX_LEN {
            return text(raw).map(Arc::from);
        }
        if self.slots.is_empty() {
            self.seen += 1;
            if self.seen < INTERN_AFTER {
                return text(raw).map(Arc::from);
            }
            self.slots = vec![Slot::default(); INTERN_SLOTS];
        }
        let full = hash_bytes(raw, 0);
        let hash = (full >> 32) as u32;
        let Some(slot) = self.slots.get_mut((full as usize) & (INTERN_SLOTS - 1)) else {
            return text(raw).map(Arc::from);
        };
        if let Some(known) = &slot.text {
            if slot.hash == hash && same_short(known.as_bytes(), raw) {
                slot.hit = true;
                return Some(known.clone());
            }
        }
        let text = text(raw)?;
        if slot.hit {
            slot.hit = false;
            return Some(Arc::from(text));
        }
        let fresh: Arc<str> = Arc::from(text);
        slot.hash = hash;
        slot.text = Some(fresh.clone());
        Some(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_strings_share_and_one_offs_spare_a_found_one() {
        let mut interner = Interner::default();
        for _ in 0..INTERN_AFTER {
            interner.intern("warm");
        }
        let a = interner.intern("name");
        let b = interner.intern("name");
        assert!(Arc::ptr_eq(&a, &b), "a repeated string is shared");
        // Strings that land in the slot of "name": the first is refused
        // the slot ("name" was found again), the second takes it.
        let slot = |s: &str| hash_bytes(s.as_bytes(), 0) as usize & (INTERN_SLOTS - 1);
        let rivals: Vec<String> = (0..100_000)
            .map(|i| format!("r{i}"))
            .filter(|s| slot(s) == slot("name"))
            .take(2)
            .collect();
        interner.intern(&rivals[0]);
        let c = interner.intern("name");
        assert!(Arc::ptr_eq(&a, &c), "a one-off did not push it out");
        let found = interner.intern_bytes(b"name").unwrap();
        assert!(Arc::ptr_eq(&found, &a), "bytes find the cached string");
        interner.intern(&rivals[0]);
        interner.intern(&rivals[1]);
        let d = interner.intern(&rivals[1]);
        let e = interner.intern(&rivals[1]);
        assert!(
            Arc::ptr_eq(&d, &e),
            "a string that keeps coming takes the slot"
        );
        assert_eq!(&*interner.intern("name"), "name");
        assert!(!same_short(b"abc", b"abd") && !same_short(b"ab", b"abc"));
        assert!(same_short(b"", b"") && same_short(b"uuid", b"uuid"));
        // Bytes: found without a check, else checked.
        assert_eq!(interner.intern_bytes(b"\xff\xfe"), None);
        assert_eq!(interner.intern_bytes("é".as_bytes()).as_deref(), Some("é"));
    }
}
