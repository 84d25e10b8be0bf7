//! The parser's interner: recent short strings shared, not reallocated.

use std::sync::Arc;

use super::hash::hash_bytes;

/// Strings up to this long are shared through the interner.
const INTERN_MAX_LEN: usize = 24;
/// The interner starts caching after this many short strings, so that
/// parsing a small message costs no table.
const INTERN_AFTER: u32 = 64;
const INTERN_SLOTS: usize = 1024;

/// A small direct-mapped cache of recent short strings (member names,
/// `"map"`, `"set"`, `"uuid"`, ...): a repeated one costs a reference count
/// increment instead of an allocation. It lives as long as the parser, so a
/// JSON-RPC connection's parser shares names across messages.
#[derive(Default)]
pub(super) struct Interner {
    seen: u32,
    slots: Vec<Option<Arc<str>>>,
}

impl Interner {
    /// True once the cache table exists.
    pub(super) fn holds_memory(&self) -> bool {
        !self.slots.is_empty()
    }

    #[inline]
    pub(super) fn intern(&mut self, text: &str) -> Arc<str> {
        if text.len() > INTERN_MAX_LEN {
            return Arc::from(text);
        }
        if self.slots.is_empty() {
            self.seen += 1;
            if self.seen < INTERN_AFTER {
                return Arc::from(text);
            }
            self.slots = vec![None; INTERN_SLOTS];
        }
        let slot = (hash_bytes(text.as_bytes(), 0) as usize) & (INTERN_SLOTS - 1);
        if let Some(known) = &self.slots[slot] {
            if **known == *text {
                return known.clone();
            }
        }
        let fresh: Arc<str> = Arc::from(text);
        self.slots[slot] = Some(fresh.clone());
        fresh
    }
}
