//! Price endings: the last digits a published price carries (`.99`, `.95`, whole, or ending in 9).
//!
//! A price ending is a set of allowed prices; rounding to an ending picks the nearest allowed price
//! at or below, at or above, or nearest to an amount. Endings are stated in minor units of the
//! currency (`.99` is 99 of 100 minor units), so they work for exponent-0 currencies as whole units
//! (JPY `Nine` gives 1,999, 2,009 ...) and for three-decimal ones.

use std::str::FromStr;

use super::money::Money;
use crate::{Error, Result};

/// Which prices are allowed.
///
/// ```
/// use upsell::pricing::{Currency, Direction, Money, PriceEnding};
/// let p = Money::new(1712, Currency::GBP); // 17.12
/// assert_eq!(PriceEnding::Cents99.round(p, Direction::Down).unwrap().to_string(), "16.99 GBP");
/// assert_eq!(PriceEnding::Cents95.round(p, Direction::Up).unwrap().to_string(), "17.95 GBP");
/// assert_eq!(PriceEnding::Whole.round(p, Direction::Nearest).unwrap().to_string(), "17.00 GBP");
/// assert_eq!(PriceEnding::Nine.round(p, Direction::Down).unwrap().to_string(), "17.09 GBP");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceEnding {
    /// Any minor unit: no ending rule.
    Exact,
    /// The last minor digit is 9 (2.49, 17.09): charm pricing that still works for small prices.
    #[default]
    Nine,
    /// `.99` of the major unit.
    Cents99,
    /// `.95` of the major unit.
    Cents95,
    /// Whole major units (`17.00`).
    Whole,
    /// Whole major units ending in 9 (`19.00`, `29.00`, `99.00`): plan prices.
    WholeNine,
}

/// Which neighbour [`PriceEnding::round`] picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The largest allowed price at or below.
    Down,
    /// The smallest allowed price at or above.
    Up,
    /// The nearer of the two; a tie goes down.
    Nearest,
}

impl PriceEnding {
    /// The allowed prices are `offset + k * step` minor units, for whole `k`.
    fn lattice(self, minor_per_major: i64) -> (i64, i64) {
        match self {
            PriceEnding::Exact => (1, 0),
            PriceEnding::Nine => (10, 9),
            PriceEnding::Cents99 => (minor_per_major, minor_per_major - minor_per_major / 100),
            PriceEnding::Cents95 => (minor_per_major, minor_per_major - 5 * minor_per_major / 100),
            PriceEnding::Whole => (minor_per_major, 0),
            PriceEnding::WholeNine => (10 * minor_per_major, 9 * minor_per_major),
        }
    }

    /// The allowed price next to `amount` in `direction`; `None` when rounding down leaves no
    /// positive price (a 0.50 item has no `.99` price below it).
    pub fn round(self, amount: Money, direction: Direction) -> Option<Money> {
        let per_major = amount.currency().minor_per_major();
        let (step, offset) = self.lattice(per_major);
        // Currencies with fewer than two decimals have no .99/.95: fall back to whole units ending 9/5.
        let (step, offset) = if step > 1 && offset >= step {
            (step, offset % step)
        } else {
            (step, offset)
        };
        let below = (amount.minor() - offset).div_euclid(step) * step + offset;
        let above = if below == amount.minor() {
            below
        } else {
            below + step
        };
        let chosen = match direction {
            Direction::Down => below,
            Direction::Up => above,
            Direction::Nearest => {
                if above - amount.minor() < amount.minor() - below {
                    above
                } else {
                    below
                }
            }
        };
        (chosen > 0).then(|| Money::new(chosen, amount.currency()))
    }

    /// Whether `amount` is an allowed price.
    ///
    /// ```
    /// use upsell::pricing::{Currency, Money, PriceEnding};
    /// assert!(PriceEnding::Cents99.allows(Money::new(1999, Currency::GBP)));
    /// assert!(!PriceEnding::Cents99.allows(Money::new(1995, Currency::GBP)));
    /// ```
    pub fn allows(self, amount: Money) -> bool {
        self.round(amount, Direction::Down) == Some(amount)
    }
}

impl FromStr for PriceEnding {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s
            .to_ascii_lowercase()
            .trim_start_matches('.')
            .replace('-', "_")
            .as_str()
        {
            "exact" | "none" => Ok(PriceEnding::Exact),
            "nine" | "9" => Ok(PriceEnding::Nine),
            "99" | "cents99" => Ok(PriceEnding::Cents99),
            "95" | "cents95" => Ok(PriceEnding::Cents95),
            "whole" | "00" => Ok(PriceEnding::Whole),
            "whole_nine" => Ok(PriceEnding::WholeNine),
            _ => Err(Error::invalid_parameter(
                "ending",
                format!("'{s}' is not one of exact, nine, 99, 95, whole, whole_nine"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::Currency;

    #[test]
    fn endings_in_other_exponents() {
        let yen = Money::new(2013, Currency::JPY);
        assert_eq!(
            PriceEnding::Nine
                .round(yen, Direction::Down)
                .map(|m| m.minor()),
            Some(2009)
        );
        assert_eq!(
            PriceEnding::Cents99
                .round(yen, Direction::Down)
                .map(|m| m.minor()),
            Some(2013)
        );
        let dinar = Money::new(12_345, Currency::KWD);
        assert_eq!(
            PriceEnding::Cents99
                .round(dinar, Direction::Down)
                .map(|m| m.minor()),
            Some(11_990)
        );
        assert_eq!(
            PriceEnding::WholeNine
                .round(Money::new(5358, Currency::GBP), Direction::Nearest)
                .map(|m| m.minor()),
            Some(4900)
        );
        assert_eq!(
            PriceEnding::Cents99.round(Money::new(50, Currency::GBP), Direction::Down),
            None
        );
    }
}
