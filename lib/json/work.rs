//! The parser core's working memory, lent per thread between values.

use super::builder::Builder;

/// An open array or object: where its contents start on the value stack.
#[derive(Clone, Copy)]
pub(super) struct Frame {
    pub(super) object: bool,
    pub(super) start: usize,
}

/// The parser's working memory: the token cut short by a slice's end, the
/// open containers, their contents so far, and the interner. It is needed
/// only while a value is half-read; between values it goes back to a spare
/// kept per thread, so that a connection waiting for its next message holds
/// none of it (and a new parser starts with warm stacks and interner).
pub(crate) struct Work<B: Builder> {
    pub(super) tok: Vec<u8>,
    pub(super) scratch: String,
    pub(super) frames: Vec<Frame>,
    /// Elements of the open arrays.
    pub(super) values: Vec<B::Value>,
    /// Members of the open objects.
    pub(super) members: Vec<(B::Name, B::Value)>,
    /// Names read whose value is still to come.
    pub(super) names: Vec<B::Name>,
    pub(super) builder: B,
}

impl<B: Builder> Default for Work<B> {
    fn default() -> Work<B> {
        Work {
            tok: Vec::new(),
            scratch: String::new(),
            frames: Vec::new(),
            values: Vec::new(),
            members: Vec::new(),
            names: Vec::new(),
            builder: B::default(),
        }
    }
}

impl<B: Builder> Work<B> {
    /// True if this holds no memory at all.
    pub(super) fn is_empty(&self) -> bool {
        self.tok.capacity() == 0
            && self.scratch.capacity() == 0
            && self.frames.capacity() == 0
            && self.values.capacity() == 0
            && self.members.capacity() == 0
            && self.names.capacity() == 0
            && !self.builder.holds_memory()
    }

    /// Empties the stacks and gives back memory beyond what a typical
    /// message needs.
    pub(super) fn clear_and_trim(&mut self) {
        const KEEP: usize = 4096;
        self.tok.clear();
        self.frames.clear();
        self.values.clear();
        self.members.clear();
        self.names.clear();
        if self.frames.capacity() > KEEP {
            self.frames.shrink_to(KEEP);
        }
        if self.values.capacity() > KEEP {
            self.values.shrink_to(KEEP);
        }
        if self.members.capacity() > KEEP {
            self.members.shrink_to(KEEP);
        }
        if self.tok.capacity() > 16 * KEEP {
            self.tok.shrink_to(16 * KEEP);
        }
        if self.scratch.capacity() > 16 * KEEP {
            self.scratch.shrink_to(16 * KEEP);
        }
    }
}
