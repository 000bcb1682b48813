//! Large buffers backed by huge pages where the system offers them.
//!
//! Mining fills a few arrays of tens of megabytes once. Touched for the first time, each 4 KiB page
//! costs a fault; on virtual machines that is about 2.4 µs, which made page faults a tenth of
//! FP-growth's time on t10i4d100k. Linux's transparent huge pages are commonly enabled only for
//! memory that asks for them (`madvise` mode), so the buffers here ask: one fault then maps 2 MiB.
//! Elsewhere, and where the kernel declines, they are ordinary `Vec`s.
//!
//! It also tells how much memory the machine has, for the default memory budget of mining.

/// The machine's physical memory in bytes, if the system says.
#[cfg(target_os = "linux")]
pub(crate) fn physical() -> Option<u64> {
    // SAFETY: sysconf only reads system constants; a negative answer means unknown.
    let (pages, page_size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let (pages, page_size) = (u64::try_from(pages).ok()?, u64::try_from(page_size).ok()?);
    pages.checked_mul(page_size).filter(|&bytes| bytes > 0)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn physical() -> Option<u64> {
    None
}

/// An empty `Vec` with room for `capacity` elements, whose memory is advised to use huge pages
/// before it is first touched.
pub(crate) fn with_capacity<T>(capacity: usize) -> Vec<T> {
    let mut buffer = Vec::with_capacity(capacity);
    advise_huge_pages(&mut buffer);
    buffer
}

/// A `Vec` of `len` copies of `value`, as [`with_capacity`] advises.
pub(crate) fn filled<T: Copy>(len: usize, value: T) -> Vec<T> {
    let mut buffer = with_capacity(len);
    buffer.resize(len, value);
    buffer
}

/// Makes room for `additional` more elements, at least doubling the capacity as `Vec::reserve`
/// does, in memory advised as [`with_capacity`]'s: for buffers that grow as they are filled.
/// (`Vec::reserve` would let `realloc` copy into fresh memory before it could be advised.)
#[inline]
pub(crate) fn reserve<T: Copy>(buffer: &mut Vec<T>, additional: usize) {
    if buffer.capacity() - buffer.len() < additional {
        grow(buffer, additional);
    }
}

#[cold]
fn grow<T: Copy>(buffer: &mut Vec<T>, additional: usize) {
    let capacity = (buffer.len() + additional)
        .max(2 * buffer.capacity())
        .max(16);
    let mut grown = with_capacity(capacity);
    grown.extend_from_slice(buffer);
    *buffer = grown;
}

/// Huge pages cover whole aligned 2 MiB blocks: smaller buffers are left alone.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(buffer: &mut Vec<T>) {
    let start = buffer.as_mut_ptr() as usize;
    let end = start + buffer.capacity() * std::mem::size_of::<T>();
    let (from, to) = (start.next_multiple_of(HUGE_PAGE), end - end % HUGE_PAGE);
    if to > from {
        // SAFETY: the range lies inside this Vec's own allocation, which nothing else
        // references; MADV_HUGEPAGE changes how pages are backed, never their contents. A
        // refusal (old kernel, huge pages off) leaves ordinary pages, so the result is ignored.
        unsafe {
            libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_buffer: &mut Vec<T>) {}

#[cfg(test)]
mod tests {
    #[test]
    fn reserve_keeps_the_contents() {
        let mut buffer = vec![1u32, 2, 3];
        for n in 0..(3 << 20) {
            super::reserve(&mut buffer, 1);
            buffer.push(n);
        }
        assert_eq!(&buffer[..4], &[1, 2, 3, 0]);
        assert_eq!(buffer.len(), 3 + (3 << 20));
        assert_eq!(buffer[buffer.len() - 1], (3 << 20) - 1);
    }

    #[test]
    fn filled_holds_what_was_asked() {
        for len in [0, 1, 1000, (4 << 20) + 3] {
            let buffer = super::filled(len, 7u32);
            assert_eq!(buffer.len(), len);
            assert!(buffer.iter().all(|&v| v == 7));
        }
    }
}
