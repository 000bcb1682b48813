//! Closed and maximal itemsets mined directly, by prefix-preserving closure extension (LCM: Uno,
//! Kiyomi and Arimura, FIMI 2004), without enumerating the frequent itemsets between them.
//!
//! The one idea: every closed set but the empty one has exactly one parent. A closed set `Q` whose
//! last added item ("core") is `c` is extended by each frequent item `e < c` outside it (codes:
//! smaller is more frequent); the closure of `Q ∪ {e}` is a child of `Q` only if it adds no item
//! above `e` that `Q` lacks (the prefix-preserving test). So each closed set is reached once, the
//! branches of the first items are independent (they run in parallel, in a fixed order), the
//! search costs per closed set rather than per frequent set, and the depth is at most the longest
//! basket, since every child holds one item more than its parent at least. Maximal sets are the
//! closed sets without a frequent one-item extension, which every node counts anyway. Length bounds
//! are exact: a child is a strict superset, so nothing below a set at `max_len` is visited.
//!
//! Two representations of the baskets that hold a set: on dense data, bitsets over the baskets (a
//! merged basket takes as many bits as it stands for), where an extension's count is an AND and a
//! popcount over just the words where the set occurs at all, and the test that a set's baskets all
//! hold an item stops at the first word that says no; on sparse data, lists of merged baskets, with
//! LCM's occurrence delivery (one pass over a set's baskets gives the baskets of all its children).
//!
//! Bitsets shrink as the search goes deeper (LCM's database reduction, on bits): a set whose baskets
//! fill less than half of the words they touch gets its own frame, its extensions' bits gathered
//! down to just its baskets (the `pext` instruction, as the extensions are counted anyway), so its
//! descendants work on `count / 64` words instead of the whole data's. A set in 500 of mushroom's
//! 8,124 baskets touches nearly all 127 words, and needs 8.

use super::prepare::{Layout, Prepared, Shape};
use super::sink::{Bounds, Budget, Part, Sink, run_branches_from};
use crate::Result;
use crate::data::Baskets;
use crate::parallel::Runner;

/// The share of (basket, item) cells that must be filled for bitsets: below it, a bitset is mostly
/// zero words and occurrence lists are shorter.
const DENSE: f64 = 0.05;

/// The most memory the bitsets may take; beyond it, occurrence lists are used whatever the density.
const MAX_BITSET_BYTES: usize = 1 << 28;

/// A set whose baskets fill at most half the words they touch gets a frame of its own: its
/// descendants then read at most half the words, for one gathering pass that counts as well.
const SHRINK: usize = 2;

/// Whether bitsets suit data of this shape: dense enough, and small enough.
fn bitsets_fit(shape: Shape) -> bool {
    let bytes = (shape.baskets.div_ceil(64) as usize).saturating_mul(8 * shape.items);
    shape.density() >= DENSE && bytes <= MAX_BITSET_BYTES
}

/// Whether bitsets fit `prepared` (see [`bitsets_fit`]); [`mine`] uses them where, besides,
/// the processor counts bits in one instruction (see [`bitsets_supported`]).
pub(crate) fn uses_bitsets(prepared: &Prepared) -> bool {
    bitsets_fit(prepared.shape())
}

/// Why [`mine`] runs on bitsets or on occurrence lists for `prepared`, in words: `(bitsets, why)`.
pub(crate) fn explain(prepared: &Prepared) -> (bool, String) {
    let shape = prepared.shape();
    let bytes = (shape.baskets.div_ceil(64) as usize).saturating_mul(8 * shape.items);
    let percent = 100.0 * DENSE;
    let mib = MAX_BITSET_BYTES >> 20;
    if shape.density() < DENSE {
        (
            false,
            format!("below {percent}% filled, bitsets would be mostly zero words"),
        )
    } else if bytes > MAX_BITSET_BYTES {
        let needed = bytes >> 20;
        (
            false,
            format!(
                "at least {percent}% filled, but bitsets would take {needed} MiB, above {mib} MiB"
            ),
        )
    } else if !bitsets_supported() {
        (false, "the processor has no popcount instruction".into())
    } else {
        let layout = match prepared.layout {
            Layout::AsGiven => "baskets as given, not sorted or merged",
            Layout::Merged => "merged baskets",
        };
        (
            true,
            format!(
                "at least {percent}% filled and bitsets within {mib} MiB; {layout}, each set's bits gathered into a smaller frame where they fill at most 1/{SHRINK} of the words they touch"
            ),
        )
    }
}

/// The view of `baskets` that [`mine`] reads: baskets as given where they will be bitsets (see
/// [`Layout::AsGiven`]), sorted and merged otherwise. The shape seen before the baskets are laid
/// out counts every basket, empty ones too, so it is never denser than the one [`uses_bitsets`]
/// reads afterwards: data laid out for bitsets gets them.
pub(crate) fn prepare(baskets: &Baskets, min_count: u64) -> Result<Prepared> {
    Prepared::with_layout(baskets, min_count, |shape| {
        if bitsets_fit(shape) && bitsets_supported() {
            Layout::AsGiven
        } else {
            Layout::Merged
        }
    })
}

/// Mines the closed sets of `prepared`, or only the maximal ones, within `bounds`.
pub(crate) fn mine(
    prepared: &Prepared,
    bounds: Bounds,
    maximal: bool,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    let bitsets = uses_bitsets(prepared);
    debug_assert!(bitsets || prepared.layout == Layout::Merged);
    mine_as(
        prepared,
        bounds,
        maximal,
        bitsets,
        Some(SHRINK),
        budget,
        runner,
    )
}

/// Whether the bitset search can run on this machine: on x86-64 it is compiled for the popcount
/// instruction (every x86-64 processor since 2008 has it), which the baseline target leaves out
/// and which counts a word in one instruction instead of about a dozen.
fn bitsets_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        true
    }
}

/// [`mine`] on bitsets or occurrence lists, as `bitsets` says (occurrence lists where bitsets
/// cannot run).
/// With `project` (see [`Context::project`]), bitsets shrink to deeper sets' baskets where the
/// processor gathers bits fast.
#[allow(clippy::too_many_arguments)]
fn mine_as(
    prepared: &Prepared,
    bounds: Bounds,
    maximal: bool,
    bitsets: bool,
    project: Option<usize>,
    budget: &Budget<'_>,
    runner: &Runner,
) -> Result<Vec<Part>> {
    let first = prepared.first_code();
    let items = prepared.item_count() as u32 - first;
    let context = Context {
        prepared,
        min_count: prepared.min_count,
        maximal,
        // Universal items are in every reported set.
        room: bounds.max_len.saturating_sub(prepared.universal.len()),
        project: project.filter(|_| packing_supported()),
    };
    // The empty set's closure is the universal items: closed when there are any (a count of all
    // baskets, which no other item has), maximal when nothing else is frequent.
    let root = |sink: &mut Sink<'_>| {
        if !maximal || items == 0 {
            sink.emit_closed(&[], prepared.baskets.min(u64::from(u32::MAX)) as u32);
        }
    };
    // Rarest first: the branch of an item extends it by the more frequent ones.
    let item = |b: usize| first + items - 1 - b as u32;
    if bitsets && bitsets_supported() {
        let bitsets = Bitsets::new(prepared);
        run_branches_from(
            items as usize,
            prepared,
            bounds,
            budget,
            runner,
            root,
            || bitsets.worker(),
            |worker, sink, b| {
                let extension = bitsets.root[(item(b) - first) as usize];
                #[allow(unused_unsafe)]
                // SAFETY: on x86-64, `bits_child` needs the popcount instruction, which
                // `bitsets_supported` found before bitsets were chosen.
                unsafe {
                    context.bits_child(&bitsets, worker, 0, extension, sink);
                }
            },
        )
    } else {
        let lists = prepared.baskets_by_item();
        run_branches_from(
            items as usize,
            prepared,
            bounds,
            budget,
            runner,
            root,
            || Deliverer::new(prepared.item_count()),
            |worker, sink, b| {
                let item = item(b);
                let count = prepared.item_counts[item as usize];
                context.list_child(worker, item, &lists[item as usize], count, sink);
            },
        )
    }
}

struct Context<'p> {
    prepared: &'p Prepared,
    min_count: u32,
    maximal: bool,
    /// The largest closed set worth reporting, universal items left out.
    room: usize,
    /// A set whose baskets fill at most this share of the words they touch gets a frame of its
    /// own (see [`pack`]): `Some(SHRINK)`; `Some(1)` for every set, `None` for none.
    project: Option<usize>,
}

/// Whether bits can be gathered (see [`pack`]) by one fast instruction: on x86-64 with BMI2, but
/// not on AMD's processors before Zen 3, which run `pext` in microcode at a cycle or more per bit.
fn packing_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::__cpuid;
        if !std::is_x86_feature_detected!("bmi2") || !std::is_x86_feature_detected!("popcnt") {
            return false;
        }
        #[allow(unused_unsafe)]
        // SAFETY: every x86-64 processor has the cpuid instruction and its leaves 0 and 1.
        let (vendor, signature) = unsafe { (__cpuid(0), __cpuid(1)) };
        // "Auth" of "AuthenticAMD"; the family is the base plus the extended family.
        let amd = vendor.ebx == 0x6874_7541;
        let family = ((signature.eax >> 8) & 0xf) + ((signature.eax >> 20) & 0xff);
        !(amd && family < 0x19)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// An item that extends a set: its count together with the set and its row of bits in the set's
/// frame.
#[derive(Debug, Clone, Copy)]
struct Extension {
    item: u32,
    count: u32,
    row: u32,
}

/// Every frequent non-universal item's baskets as bits, item by item: the frame of the sets that
/// made no projection of their own.
struct Bitsets {
    words: usize,
    bits: Vec<u64>,
    /// The root's extensions: every item with its count, its row its rank.
    root: Vec<Extension>,
}

/// The set being extended at one depth: its baskets (valid at the words listed in `nonzero`) and
/// its frequent extensions, both in the frame of the level `frame` (`None`: the whole data's).
#[derive(Default)]
struct Level {
    tids: Vec<u64>,
    nonzero: Vec<u32>,
    /// Items outside the set that are frequent with it, ascending.
    extensions: Vec<Extension>,
    frame: Option<usize>,
    /// The level's own frame, when it made one: its extensions' bits at just its baskets, row `k`
    /// at `frames[offset + k * words..][..words]` of its worker.
    offset: usize,
    words: usize,
}

/// Row `row` of frame `frame` (see [`Level`]), the frames made so far being `frames`.
#[inline(always)]
fn row<'a>(
    bitsets: &'a Bitsets,
    levels: &[Level],
    frames: &'a [u64],
    frame: Option<usize>,
    row: u32,
) -> &'a [u64] {
    match frame {
        None => &bitsets.bits[row as usize * bitsets.words..][..bitsets.words],
        Some(level) => {
            let Level { offset, words, .. } = levels[level];
            &frames[offset + row as usize * words..][..words]
        }
    }
}

/// One worker's state over bitsets: a level per depth and the set being built.
struct BitsWorker {
    levels: Vec<Level>,
    /// The frames of the levels that made one, deepest last: each has at most half the words of
    /// the one before and rows for at most its items, so together they take at most the bitsets'
    /// size.
    frames: Vec<u64>,
    set: Vec<u32>,
    /// The baskets of a set and its whole tail (maximal sets), at a level's nonzero words.
    scratch: Vec<u64>,
}

impl Bitsets {
    fn new(prepared: &Prepared) -> Self {
        let first = prepared.first_code();
        let items = prepared.item_count() - first as usize;
        let positions: u64 = prepared.weights.iter().map(|&w| u64::from(w)).sum();
        let words = positions.div_ceil(64) as usize;
        let mut bits = vec![0u64; items * words];
        let mut position = 0usize;
        for k in 0..prepared.len() {
            let weight = prepared.weights[k] as usize;
            for &item in prepared.basket(k) {
                let row = &mut bits[(item - first) as usize * words..][..words];
                for p in position..position + weight {
                    row[p / 64] |= 1 << (p % 64);
                }
            }
            position += weight;
        }
        let root = (first..prepared.item_count() as u32)
            .map(|item| Extension {
                item,
                count: prepared.item_counts[item as usize],
                row: item - first,
            })
            .collect();
        Bitsets { words, bits, root }
    }

    /// A worker whose level 0 is the empty set: every basket, every item an extension.
    fn worker(&self) -> BitsWorker {
        let root = Level {
            tids: vec![u64::MAX; self.words],
            nonzero: (0..self.words as u32).collect(),
            extensions: self.root.clone(),
            ..Level::default()
        };
        BitsWorker {
            levels: vec![root],
            frames: Vec::new(),
            set: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

/// Gathers the bits of `row` at the positions set in `tids` (at its words listed in `nonzero`)
/// into `out`, packed from its first bit, and returns how many are set: an extension's count with
/// a set and its row in the set's own frame, in one pass.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2,popcnt")]
fn pack(row: &[u64], tids: &[u64], nonzero: &[u32], out: &mut [u64]) -> u32 {
    #[allow(unused_unsafe)]
    // SAFETY: this function is compiled for BMI2, which its callers checked for.
    gather(row, tids, nonzero, out, |value, mask| unsafe {
        std::arch::x86_64::_pext_u64(value, mask)
    })
}

/// [`pack`] without the instruction (never chosen for speed; see [`packing_supported`]).
#[cfg(not(target_arch = "x86_64"))]
fn pack(row: &[u64], tids: &[u64], nonzero: &[u32], out: &mut [u64]) -> u32 {
    gather(row, tids, nonzero, out, |value, mut mask| {
        let (mut bits, mut at) = (0, 0);
        while mask != 0 {
            let low = mask & mask.wrapping_neg();
            bits |= u64::from(value & low != 0) << at;
            at += 1;
            mask ^= low;
        }
        bits
    })
}

/// How many of the bits of `tids` (at its words listed in `nonzero`) `bits` has too: straight
/// through both when every word of the frame is listed.
#[inline(always)]
fn common(tids: &[u64], nonzero: &[u32], bits: &[u64]) -> u32 {
    if nonzero.len() == bits.len() {
        let tids = &tids[..bits.len()];
        tids.iter()
            .zip(bits)
            .map(|(t, b)| (t & b).count_ones())
            .sum()
    } else {
        let at = |x: u32| tids[x as usize] & bits[x as usize];
        nonzero.iter().map(|&x| at(x).count_ones()).sum()
    }
}

#[inline(always)]
fn gather(
    row: &[u64],
    tids: &[u64],
    nonzero: &[u32],
    out: &mut [u64],
    pext: impl Fn(u64, u64) -> u64,
) -> u32 {
    let (mut word, mut fill, mut at, mut count) = (0u64, 0u32, 0usize, 0u32);
    for &x in nonzero {
        let mask = tids[x as usize];
        let bits = pext(row[x as usize], mask);
        let width = mask.count_ones();
        count += bits.count_ones();
        word |= bits << fill;
        fill += width;
        if fill >= 64 {
            out[at] = word;
            at += 1;
            fill -= 64;
            // The bits that did not fit; none when the word ended exactly.
            word = if fill == 0 { 0 } else { bits >> (width - fill) };
        }
    }
    if fill > 0 {
        out[at] = word;
    }
    count
}

impl Context<'_> {
    /// Extends the set at `depth` (in `worker.set`, its level `worker.levels[depth]`) by one of its
    /// extensions: when the closure passes the prefix-preserving test, reports it and extends it
    /// in turn.
    #[cfg_attr(target_arch = "x86_64", target_feature(enable = "popcnt"))]
    fn bits_child(
        &self,
        bitsets: &Bitsets,
        worker: &mut BitsWorker,
        depth: usize,
        extension: Extension,
        sink: &mut Sink<'_>,
    ) {
        let Extension { item, count, .. } = extension;
        if worker.levels.len() == depth + 1 {
            worker.levels.push(Level {
                tids: vec![0; bitsets.words],
                ..Level::default()
            });
        }
        let (parents, children) = worker.levels.split_at_mut(depth + 1);
        let (parent, child) = (&parents[depth], &mut children[0]);
        let frames = &worker.frames;
        let of = |extension: &Extension| row(bitsets, parents, frames, parent.frame, extension.row);
        let bits = of(&extension);
        child.nonzero.clear();
        for &x in &parent.nonzero {
            let word = parent.tids[x as usize] & bits[x as usize];
            child.tids[x as usize] = word;
            if word != 0 {
                child.nonzero.push(x);
            }
        }
        let covered_by = |other: &Extension| {
            let bits = of(other);
            let outside = |&x: &u32| child.tids[x as usize] & !bits[x as usize] != 0;
            !child.nonzero.iter().any(outside)
        };
        // The prefix-preserving test: no item above `item` outside the set is in all the baskets.
        // Only items as frequent with the parent as the child can be.
        for other in parent.extensions.iter().rev() {
            if other.item <= item {
                break;
            }
            if other.count >= count && covered_by(other) {
                return;
            }
        }
        let mark = worker.set.len();
        worker.set.push(item);
        if self.maximal && self.whole_tail(bitsets, worker, depth, item, sink) {
            worker.set.truncate(mark);
            return;
        }
        let (parents, children) = worker.levels.split_at_mut(depth + 1);
        let (parent, child) = (&parents[depth], &mut children[0]);
        // A frame of its own when the set's baskets fill few of the words they touch and it may
        // have children.
        let words = count.div_ceil(64) as usize;
        let project = self
            .project
            .is_some_and(|shrink| shrink * words <= child.nonzero.len())
            && worker.set.len() < self.room;
        let offset = worker.frames.len();
        if project {
            worker
                .frames
                .resize(offset + parent.extensions.len() * words, 0);
        }
        let (frames, projected) = worker.frames.split_at_mut(offset);
        let frames = &*frames;
        let of = |extension: &Extension| row(bitsets, parents, frames, parent.frame, extension.row);
        child.extensions.clear();
        for other in &parent.extensions {
            if other.item == item {
                continue;
            }
            let bits = of(other);
            let slot = child.extensions.len();
            let together = if project {
                let out = &mut projected[slot * words..][..words];
                #[allow(unused_unsafe)]
                // SAFETY: `project` is set only where `packing_supported` found BMI2.
                unsafe {
                    pack(bits, &child.tids, &child.nonzero, out)
                }
            } else {
                common(&child.tids, &child.nonzero, bits)
            };
            if together == count {
                worker.set.push(other.item);
            } else if together >= self.min_count {
                let row = if project { slot as u32 } else { other.row };
                child.extensions.push(Extension {
                    item: other.item,
                    count: together,
                    row,
                });
            }
        }
        if project {
            // In its own frame, the set's baskets are the first `count` positions.
            child.tids[..words].fill(u64::MAX);
            if count % 64 != 0 {
                child.tids[words - 1] = (1 << (count % 64)) - 1;
            }
            child.nonzero.clear();
            child.nonzero.extend(0..words as u32);
            child.offset = offset;
            child.words = words;
            child.frame = Some(depth + 1);
            worker
                .frames
                .truncate(offset + child.extensions.len() * words);
        } else {
            child.frame = parent.frame;
        }
        if !self.maximal || child.extensions.is_empty() {
            sink.emit_closed(&worker.set, count);
        }
        if worker.set.len() < self.room {
            for e in 0..worker.levels[depth + 1].extensions.len() {
                let extension = worker.levels[depth + 1].extensions[e];
                if extension.item >= item || sink.stopped() {
                    break;
                }
                self.bits_child(bitsets, worker, depth + 1, extension, sink);
            }
        }
        worker.frames.truncate(offset);
        worker.set.truncate(mark);
    }

    /// For maximal sets, before the extensions of a child (its set in `worker.set`, its baskets at
    /// level `depth + 1`, its core item `core`) are counted: when the child with all its parent's
    /// extensions below `core` (every item its descendants can add) is still frequent, that union
    /// is the subtree's only candidate, as every other set there is a subset of it. Reports it if
    /// no other item keeps it frequent and returns `true`: the subtree is done.
    #[cfg_attr(target_arch = "x86_64", target_feature(enable = "popcnt"))]
    fn whole_tail(
        &self,
        bitsets: &Bitsets,
        worker: &mut BitsWorker,
        depth: usize,
        core: u32,
        sink: &mut Sink<'_>,
    ) -> bool {
        let BitsWorker {
            levels,
            frames,
            set,
            scratch,
        } = worker;
        let (level, parent) = (&levels[depth + 1], &levels[depth]);
        let of = |extension: &Extension| row(bitsets, levels, frames, parent.frame, extension.row);
        let extensions = &parent.extensions;
        let tail = extensions.partition_point(|other| other.item < core);
        if tail == 0 {
            return false;
        }
        scratch.clear();
        scratch.extend(level.nonzero.iter().map(|&x| level.tids[x as usize]));
        for other in &extensions[..tail] {
            let bits = of(other);
            for (word, &x) in scratch.iter_mut().zip(&level.nonzero) {
                *word &= bits[x as usize];
            }
        }
        let with = |bits: Option<&[u64]>| -> u32 {
            let words = scratch.iter().zip(&level.nonzero);
            match bits {
                None => words.map(|(w, _)| w.count_ones()).sum(),
                Some(bits) => words
                    .map(|(w, &x)| (w & bits[x as usize]).count_ones())
                    .sum(),
            }
        };
        let count = with(None);
        if count < self.min_count {
            return false;
        }
        let extended = extensions[tail..]
            .iter()
            .any(|other| other.item != core && with(Some(of(other))) >= self.min_count);
        if !extended && set.len() + tail <= self.room {
            let mark = set.len();
            set.extend(extensions[..tail].iter().map(|other| other.item));
            sink.emit_closed(set, count);
            set.truncate(mark);
        }
        true
    }
}

/// One worker's state over occurrence lists.
struct Deliverer {
    counts: Vec<u32>,
    in_set: Vec<bool>,
    candidate: Vec<bool>,
    buckets: Vec<Vec<u32>>,
    touched: Vec<u32>,
    above: Vec<u32>,
    set: Vec<u32>,
}

impl Deliverer {
    fn new(items: usize) -> Self {
        Deliverer {
            counts: vec![0; items],
            in_set: vec![false; items],
            candidate: vec![false; items],
            buckets: vec![Vec::new(); items],
            touched: Vec::new(),
            above: Vec::new(),
            set: Vec::new(),
        }
    }
}

impl Context<'_> {
    /// [`Context::bits_child`] over occurrence lists: `baskets` are the merged baskets that hold
    /// the set in `worker.set` and `item`, `count` times.
    fn list_child(
        &self,
        worker: &mut Deliverer,
        item: u32,
        baskets: &[u32],
        count: u32,
        sink: &mut Sink<'_>,
    ) {
        let prepared = self.prepared;
        let below = |basket: &'_ [u32]| basket.partition_point(|&o| o < item);
        // The prefix-preserving test: the items above `item` outside the set that every basket
        // holds, intersected basket by basket until none is left.
        let Some((&head, rest)) = baskets.split_first() else {
            return;
        };
        let basket = prepared.basket(head as usize);
        worker.above.clear();
        worker.above.extend(
            basket[below(basket) + 1..]
                .iter()
                .filter(|&&o| !worker.in_set[o as usize]),
        );
        for &t in rest {
            if worker.above.is_empty() {
                break;
            }
            let basket = prepared.basket(t as usize);
            let mut at = 0;
            worker.above.retain(|&o| {
                at += basket[at..].partition_point(|&b| b < o);
                basket.get(at) == Some(&o)
            });
        }
        if !worker.above.is_empty() {
            return;
        }
        for &t in baskets {
            let basket = prepared.basket(t as usize);
            let weight = prepared.weights[t as usize];
            for &other in &basket[..below(basket)] {
                if worker.in_set[other as usize] {
                    continue;
                }
                if worker.counts[other as usize] == 0 {
                    worker.touched.push(other);
                }
                worker.counts[other as usize] += weight;
            }
        }
        let mark = worker.set.len();
        worker.set.push(item);
        worker.in_set[item as usize] = true;
        worker.touched.sort_unstable();
        let mut children = Vec::new();
        for &other in &worker.touched {
            let together = std::mem::take(&mut worker.counts[other as usize]);
            if together == count {
                worker.set.push(other);
                worker.in_set[other as usize] = true;
            } else if together >= self.min_count {
                children.push((other, together));
            }
        }
        worker.touched.clear();
        if !self.maximal || (children.is_empty() && !self.extends_above(worker, item, baskets)) {
            sink.emit_closed(&worker.set, count);
        }
        if worker.set.len() < self.room && !children.is_empty() {
            for &(other, _) in &children {
                worker.candidate[other as usize] = true;
            }
            for &t in baskets {
                let basket = prepared.basket(t as usize);
                for &other in &basket[..below(basket)] {
                    if worker.candidate[other as usize] {
                        worker.buckets[other as usize].push(t);
                    }
                }
            }
            let children: Vec<(u32, u32, Vec<u32>)> = children
                .into_iter()
                .map(|(other, together)| {
                    worker.candidate[other as usize] = false;
                    let found = std::mem::take(&mut worker.buckets[other as usize]);
                    (other, together, found)
                })
                .collect();
            for (other, together, found) in children {
                if sink.stopped() {
                    break;
                }
                self.list_child(worker, other, &found, together, sink);
            }
        }
        for &other in &worker.set[mark..] {
            worker.in_set[other as usize] = false;
        }
        worker.set.truncate(mark);
    }

    /// Whether an item above `item` outside the set is frequent together with it (in `baskets`):
    /// then the set is not maximal.
    fn extends_above(&self, worker: &mut Deliverer, item: u32, baskets: &[u32]) -> bool {
        let prepared = self.prepared;
        for &t in baskets {
            let basket = prepared.basket(t as usize);
            let weight = prepared.weights[t as usize];
            for &other in &basket[basket.partition_point(|&o| o <= item)..] {
                if worker.in_set[other as usize] {
                    continue;
                }
                if worker.counts[other as usize] == 0 {
                    worker.touched.push(other);
                }
                worker.counts[other as usize] += weight;
            }
        }
        let mut frequent = false;
        for &other in &worker.touched {
            frequent |= std::mem::take(&mut worker.counts[other as usize]) >= self.min_count;
        }
        worker.touched.clear();
        frequent
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::sink::{Bounds, Budget, assemble};
    use super::super::{Itemsets, MinSupport, MiningOptions, Target, naive};
    use super::mine_as;
    use crate::Control;
    use crate::data::Baskets;
    use crate::mining::prepare::{Layout, Prepared};
    use crate::parallel::Runner;

    fn canonical(mut itemsets: Itemsets) -> Vec<(Vec<u32>, u64)> {
        itemsets.sort_canonical();
        itemsets.iter().map(|(s, c)| (s.to_vec(), c)).collect()
    }

    /// From `rows` baskets of up to `width` items out of `items`, repeated rows included.
    fn baskets(
        items: u32,
        width: usize,
        rows: std::ops::Range<usize>,
    ) -> impl Strategy<Value = Baskets> {
        let row = prop::collection::vec(0..items, 0..width);
        prop::collection::vec(row, rows).prop_map(|rows| {
            let offsets = std::iter::once(0)
                .chain(rows.iter().scan(0, |end, row| {
                    *end += row.len();
                    Some(*end)
                }))
                .collect();
            Baskets::from_arrays(rows.concat(), offsets).expect("valid arrays")
        })
    }

    fn check(baskets: &Baskets, min_count: u64, min_len: usize, max_len: Option<usize>) {
        for target in [Target::Closed, Target::Maximal] {
            let options = MiningOptions {
                target,
                min_len,
                max_len,
                ..MiningOptions::new(MinSupport::count(min_count))
            };
            let expected = canonical(naive::mine(baskets, &options).expect("naive"));
            let merged = Prepared::new(baskets, min_count).expect("prepared");
            let as_given =
                Prepared::with_layout(baskets, min_count, |_| Layout::AsGiven).expect("prepared");
            let bounds = Bounds {
                min_len,
                max_len: max_len.unwrap_or(usize::MAX),
            };
            let control = Control::default();
            for (bitsets, project, prepared) in [
                (false, None, &merged),
                (true, None, &merged),
                (true, Some(1), &merged),
                (true, Some(2), &merged),
                (true, None, &as_given),
                (true, Some(2), &as_given),
            ] {
                for threads in [1, 2] {
                    let budget = Budget::new(None, None, prepared.widest(), &control);
                    let runner = Runner::new(Some(threads));
                    let maximal = target == Target::Maximal;
                    let parts = mine_as(
                        prepared, bounds, maximal, bitsets, project, &budget, &runner,
                    )
                    .expect("mined");
                    let found = assemble(parts, baskets.len() as u64, min_count);
                    let layout = prepared.layout;
                    assert_eq!(
                        canonical(found),
                        expected,
                        "{target:?} {layout:?} bitsets={bitsets} project={project:?} threads={threads}"
                    );
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]
        #[test]
        fn dense_data_gives_the_brute_force_sets(
            baskets in baskets(10, 10, 1..50),
            min_count in 1u64..8,
            min_len in 1usize..3,
            max_len in prop::option::of(1usize..6),
        ) {
            check(&baskets, min_count, min_len, max_len.map(|m| m.max(min_len)));
        }

        #[test]
        fn sparse_data_gives_the_brute_force_sets(
            baskets in baskets(60, 6, 1..50),
            min_count in 1u64..4,
            max_len in prop::option::of(1usize..4),
        ) {
            check(&baskets, min_count, 1, max_len);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        /// Baskets over several words of bits, so that frames are gathered across word bounds.
        #[test]
        fn dense_data_over_many_words_gives_the_brute_force_sets(
            baskets in baskets(12, 9, 150..400),
            min_count in 2u64..40,
        ) {
            check(&baskets, min_count, 1, None);
        }
    }

    #[test]
    fn items_in_every_basket_join_every_closed_set() {
        // Item 7 is in every basket; {7} alone is closed, and maximal only with nothing else.
        let baskets =
            Baskets::from_arrays(vec![7, 1, 7, 1, 2, 7], vec![0, 2, 5, 6]).expect("arrays");
        check(&baskets, 2, 1, None);
        check(&baskets, 3, 1, None);
        check(&baskets, 4, 1, None);
    }
}
