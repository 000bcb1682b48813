use super::ItemId;
use crate::{Error, Location, Result};

/// How many distinct item ids there may be: ids given by a caller (`Baskets::from_arrays`, the
/// C and Python array constructors) must be below it. Every per-item table (frequencies, the
/// miners' item tables, labels, affinity rows) is as long as the largest id + 1, so one stray
/// large id would allocate gigabytes; readers and label-based constructors number items densely
/// from 0 and never come near it.
///
/// ```
/// use upsell::data::{Baskets, MAX_ITEMS};
/// let err = Baskets::from_arrays(vec![1, MAX_ITEMS as u32], vec![0, 2]).unwrap_err();
/// assert_eq!(err.kind(), upsell::ErrorKind::LimitExceeded);
/// assert!(err.to_string().contains("items[1] is 67108864"));
/// ```
pub const MAX_ITEMS: usize = 1 << 26;

/// The width of the id space of `items` (the largest id + 1), or a limit error naming the first
/// id at or above [`MAX_ITEMS`] and its position.
pub(crate) fn item_space(items: &[ItemId]) -> Result<usize> {
    if let Some(at) = items.iter().position(|&id| id as usize >= MAX_ITEMS) {
        return Err(Error::LimitExceeded {
            what: "item ids",
            limit: MAX_ITEMS as u64,
            hint: format!(
                "items[{at}] is {}: per-item tables are as long as the largest id, so number \
                 the items densely from 0 (Baskets.from_lists or pandas.factorize do it)",
                items[at]
            ),
        });
    }
    Ok(items.iter().max().map_or(0, |&m| m as usize + 1))
}

/// A collection of baskets: each basket a sorted set of item ids, all stored in two flat arrays.
///
/// Within a basket, items are sorted ascending and unique: a basket is a set, so an item listed twice
/// in one basket counts once (readers and constructors do this).
///
/// ```
/// use upsell::data::Baskets;
/// let baskets = Baskets::from_arrays(vec![2, 0, 1, 1, 3], vec![0, 3, 5])?;
/// assert_eq!(baskets.len(), 2);
/// assert_eq!(baskets.get(0), Some(&[0, 1, 2][..]));
/// assert_eq!(baskets.get(1), Some(&[1, 3][..]));
/// # Ok::<(), upsell::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baskets {
    items: Vec<ItemId>,
    offsets: Vec<usize>,
    item_count: usize,
}

impl Baskets {
    /// Builds baskets from item ids laid end to end and the offsets where each basket starts
    /// (`offsets.len() == baskets + 1`, first 0, last `items.len()`, never decreasing).
    ///
    /// Items in each basket are sorted and de-duplicated.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// let err = Baskets::from_arrays(vec![1, 2], vec![0, 3]).unwrap_err();
    /// assert_eq!(err.kind(), upsell::ErrorKind::InvalidInput);
    /// ```
    pub fn from_arrays(mut items: Vec<ItemId>, offsets: Vec<usize>) -> Result<Self> {
        let at = Location::memory().column_name("offsets");
        if offsets.first() != Some(&0) {
            return Err(Error::invalid_input(
                at,
                "offsets must start with 0 (one more offset than baskets)",
            ));
        }
        if offsets.last() != Some(&items.len()) {
            return Err(Error::invalid_input(
                at,
                format!(
                    "the last offset must equal the number of items ({}), found {}",
                    items.len(),
                    offsets[offsets.len() - 1]
                ),
            ));
        }
        if let Some(i) = offsets.windows(2).position(|w| w[0] > w[1]) {
            return Err(Error::invalid_input(
                at,
                format!(
                    "offsets must not decrease: offsets[{i}] = {} > offsets[{}] = {}",
                    offsets[i],
                    i + 1,
                    offsets[i + 1]
                ),
            ));
        }
        // Sort and de-duplicate in place, compacting as we go.
        let mut out_offsets = Vec::with_capacity(offsets.len());
        out_offsets.push(0);
        let mut write = 0;
        for w in offsets.windows(2) {
            let basket = &mut items[w[0]..w[1]];
            basket.sort_unstable();
            let mut last = None;
            for k in w[0]..w[1] {
                let item = items[k];
                if last != Some(item) {
                    items[write] = item;
                    write += 1;
                    last = Some(item);
                }
            }
            out_offsets.push(write);
        }
        items.truncate(write);
        let item_count = item_space(&items)?;
        Ok(Baskets {
            items,
            offsets: out_offsets,
            item_count,
        })
    }

    /// Groups (basket, item) pairs, one per line item, into baskets. Basket ids are dense
    /// (`0..n`); basket `b` is the `b`-th basket of the result, and ids that never occur are empty
    /// baskets.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// let baskets = Baskets::from_pairs(&[1, 0, 1, 0], &[7, 3, 5, 3])?;
    /// assert_eq!(baskets.get(0), Some(&[3][..]));
    /// assert_eq!(baskets.get(1), Some(&[5, 7][..]));
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn from_pairs(basket_ids: &[u32], item_ids: &[ItemId]) -> Result<Self> {
        if basket_ids.len() != item_ids.len() {
            return Err(Error::invalid_parameter(
                "basket_ids",
                format!(
                    "{} basket ids but {} item ids: one of each per line item",
                    basket_ids.len(),
                    item_ids.len()
                ),
            ));
        }
        let baskets = basket_ids.iter().max().map_or(0, |&m| m as usize + 1);
        let mut offsets = vec![0usize; baskets + 1];
        for &b in basket_ids {
            offsets[b as usize + 1] += 1;
        }
        for i in 0..baskets {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let mut items = vec![0; item_ids.len()];
        for (&b, &item) in basket_ids.iter().zip(item_ids) {
            items[cursor[b as usize]] = item;
            cursor[b as usize] += 1;
        }
        Baskets::from_arrays(items, offsets)
    }

    /// Baskets from a one-hot matrix: row `r` is a basket holding item `c` where `matrix[[r, c]]`.
    ///
    /// ```
    /// use ndarray::array;
    /// use upsell::data::Baskets;
    /// let baskets = Baskets::from_dense(array![[true, false, true], [false, true, false]].view());
    /// assert_eq!(baskets.get(0), Some(&[0, 2][..]));
    /// assert_eq!(baskets.item_count(), 3);
    /// // Any memory layout: a column-major matrix (a pandas frame's block) reads the same.
    /// let by_column = array![[true, false], [false, true], [true, false]];
    /// assert_eq!(Baskets::from_dense(by_column.t()), baskets);
    /// ```
    pub fn from_dense(matrix: ndarray::ArrayView2<'_, bool>) -> Self {
        let (rows, columns) = matrix.dim();
        let mut items = Vec::new();
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        if let Some(cells) = matrix.t().as_slice().filter(|_| rows > 1) {
            // Column-major (a pandas frame's block): one scan collects each column's rows, then
            // a counting sort places them by row, columns in order so each basket comes out sorted.
            let mut found_rows = Vec::new();
            let mut column_ends = Vec::with_capacity(columns);
            for column in cells.chunks_exact(rows) {
                each_true(column, |row| found_rows.push(row));
                column_ends.push(found_rows.len());
            }
            let mut counts = vec![0usize; rows];
            for &row in &found_rows {
                counts[row] += 1;
            }
            for count in counts {
                offsets.push(offsets.last().copied().unwrap_or(0) + count);
            }
            let mut cursor = offsets[..rows].to_vec();
            items = vec![0; found_rows.len()];
            let mut start = 0;
            for (c, &end) in column_ends.iter().enumerate() {
                for &row in &found_rows[start..end] {
                    items[cursor[row]] = c as ItemId;
                    cursor[row] += 1;
                }
                start = end;
            }
        } else {
            for row in matrix.rows() {
                match row.as_slice() {
                    Some(cells) => each_true(cells, |c| items.push(c as ItemId)),
                    None => items.extend(
                        row.iter()
                            .enumerate()
                            .filter(|(_, v)| **v)
                            .map(|(c, _)| c as ItemId),
                    ),
                }
                offsets.push(items.len());
            }
        }
        Baskets {
            items,
            offsets,
            item_count: columns,
        }
    }

    /// The number of baskets (empty ones included: they count in support fractions).
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no baskets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items of basket `index`, sorted ascending.
    pub fn get(&self, index: usize) -> Option<&[ItemId]> {
        let start = *self.offsets.get(index)?;
        let end = *self.offsets.get(index + 1)?;
        Some(&self.items[start..end])
    }

    /// Every basket in order.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// let baskets = Baskets::from_arrays(vec![0, 1, 1], vec![0, 2, 3])?;
    /// let sizes: Vec<usize> = baskets.iter().map(|b| b.len()).collect();
    /// assert_eq!(sizes, [2, 1]);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[ItemId]> + '_ {
        self.offsets.windows(2).map(|w| &self.items[w[0]..w[1]])
    }

    /// One more than the largest item id (the size of the item universe).
    pub fn item_count(&self) -> usize {
        self.item_count
    }

    /// Every basket's items back to back.
    pub fn items(&self) -> &[ItemId] {
        &self.items
    }

    /// Where each basket starts in [`Baskets::items`], plus the end (`len() + 1` offsets).
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// How many baskets hold each item, indexed by item id.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// let baskets = Baskets::from_arrays(vec![0, 1, 1], vec![0, 2, 3])?;
    /// assert_eq!(baskets.item_frequencies(), [1, 2]);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn item_frequencies(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.item_count];
        for &item in &self.items {
            counts[item as usize] += 1;
        }
        counts
    }

    /// A warning when the data has a shape that mining cannot use, which usually means it was
    /// read in the wrong format (a space-separated file read as one label per line, a long
    /// file read as baskets): every basket holds at most one item, or every item occurs in only
    /// one basket. `None` for data with fewer than two baskets, or of a usable shape.
    ///
    /// ```
    /// use upsell::data::Baskets;
    /// let lines = Baskets::from_arrays(vec![0, 1, 2], vec![0, 1, 2, 3])?;
    /// assert!(lines.shape_warning().unwrap().contains("every basket has at most one item"));
    /// let fine = Baskets::from_arrays(vec![0, 1, 0], vec![0, 2, 3])?;
    /// assert_eq!(fine.shape_warning(), None);
    /// # Ok::<(), upsell::Error>(())
    /// ```
    pub fn shape_warning(&self) -> Option<String> {
        if self.len() < 2 {
            return None;
        }
        let hint = "is the format or delimiter right?";
        if self.offsets.windows(2).all(|w| w[1] - w[0] <= 1) {
            return Some(format!(
                "every basket has at most one item ({} baskets), so nothing is bought together: {hint}",
                self.len()
            ));
        }
        if self.item_count >= 2 && self.item_frequencies().iter().all(|&c| c <= 1) {
            return Some(format!(
                "every item occurs in only one basket ({} items), so nothing is frequent: {hint}",
                self.item_count
            ));
        }
        None
    }

    /// Renames every item `i` to `new_id[i]` and re-sorts each basket.
    pub(crate) fn renumber(&mut self, new_id: &[ItemId]) {
        for item in &mut self.items {
            *item = new_id[*item as usize];
        }
        for w in self.offsets.windows(2) {
            self.items[w[0]..w[1]].sort_unstable();
        }
    }
}

/// Builds [`Baskets`] one basket at a time, as readers stream a file.
///
/// ```
/// use upsell::data::BasketBuilder;
/// let mut builder = BasketBuilder::default();
/// builder.push(&mut [3, 1, 3]);
/// builder.push(&mut []);
/// let baskets = builder.finish();
/// assert_eq!(baskets.get(0), Some(&[1, 3][..]));
/// assert_eq!(baskets.len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct BasketBuilder {
    items: Vec<ItemId>,
    offsets: Vec<usize>,
    item_count: usize,
}

impl BasketBuilder {
    /// Appends one basket; its items are sorted and de-duplicated (the slice is sorted in place).
    pub fn push(&mut self, basket: &mut [ItemId]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        basket.sort_unstable();
        let mut last = None;
        for &item in basket.iter() {
            if last != Some(item) {
                self.items.push(item);
                self.item_count = self.item_count.max(item as usize + 1);
                last = Some(item);
            }
        }
        self.offsets.push(self.items.len());
    }

    /// The number of baskets pushed so far.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether no basket was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The baskets, with an item universe at least `item_count` wide.
    pub fn finish_with_items(mut self, item_count: usize) -> Baskets {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        Baskets {
            items: self.items,
            offsets: self.offsets,
            item_count: self.item_count.max(item_count),
        }
    }

    /// The baskets.
    pub fn finish(self) -> Baskets {
        self.finish_with_items(0)
    }
}

/// Calls `found` with the position of every `true` in `cells`, in order: 64 cells at a time
/// become a bit mask whose set bits are visited (one-hot matrices are mostly `false`).
fn each_true(cells: &[bool], mut found: impl FnMut(usize)) {
    const BLOCK: usize = 64;
    for (b, block) in cells.chunks(BLOCK).enumerate() {
        let mut mask = 0u64;
        for (w, word) in block.chunks(8).enumerate() {
            mask |= packed(word) << (8 * w);
        }
        while mask != 0 {
            found(b * BLOCK + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
    }
}

/// Up to 8 cells as the low bits of a byte, cell `k` at bit `k`. Eight whole cells are read as
/// one word (each byte 0 or 1) and gathered by one multiplication: byte `k` times `2^(56 - 7k)`
/// lands on bit `56 + k`, and no two partial products meet, so nothing carries. A cell at a time
/// cost about a cycle each, the most of reading a one-hot frame.
#[inline(always)]
fn packed(cells: &[bool]) -> u64 {
    const GATHER: u64 = 0x0102_0408_1020_4080;
    match <&[bool; 8]>::try_from(cells) {
        Ok(word) => u64::from_le_bytes(word.map(u8::from)).wrapping_mul(GATHER) >> 56,
        Err(_) => cells
            .iter()
            .enumerate()
            .fold(0, |mask, (k, &v)| mask | (u64::from(v) << k)),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Baskets;

    proptest! {
        #[test]
        fn from_dense_reads_every_true_cell_in_either_layout(
            (rows, columns, cells) in (0usize..80, 0usize..150)
                .prop_flat_map(|(r, c)| (Just(r), Just(c), prop::collection::vec(prop::bool::weighted(0.3), r * c))),
        ) {
            let matrix = ndarray::Array2::from_shape_vec((rows, columns), cells)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let items: Vec<Vec<u32>> = matrix
                .rows()
                .into_iter()
                .map(|row| (0..columns as u32).filter(|&c| row[c as usize]).collect())
                .collect();
            let by_column = matrix.t().as_standard_layout().into_owned();
            for read in [Baskets::from_dense(matrix.view()), Baskets::from_dense(by_column.t())] {
                prop_assert_eq!(read.len(), rows);
                prop_assert_eq!(read.item_count(), columns);
                let found: Vec<Vec<u32>> = read.iter().map(|b| b.to_vec()).collect();
                prop_assert_eq!(&found, &items);
            }
        }
    }
}
