//! Exact fractions for uptime, credit percent and fees (SPEC §4.9, §5.4: "every comparison with a
//! threshold uses the exact value"; amounts are "computed exactly, then rounded once").

use std::cmp::Ordering;
use std::fmt;

use rust_decimal::Decimal;

/// A fraction in lowest terms with a positive denominator. Equality is equality of values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };

    /// `num / den`. A zero denominator (never produced by the engine) is read as zero.
    pub fn new(num: i128, den: i128) -> Ratio {
        if den == 0 || num == 0 {
            return Ratio::ZERO;
        }
        let sign = if (num < 0) != (den < 0) { -1 } else { 1 };
        let (n, d) = (num.unsigned_abs(), den.unsigned_abs());
        let g = gcd(n, d);
        // After dividing by the gcd both parts are at most their original magnitudes; only
        // i128::MIN / 1 could fail, and the engine never builds it.
        let num = i128::try_from(n / g).unwrap_or(i128::MAX) * sign;
        let den = i128::try_from(d / g).unwrap_or(i128::MAX);
        Ratio { num, den }
    }

    pub const fn from_integer(value: i128) -> Ratio {
        Ratio { num: value, den: 1 }
    }

    pub const fn numerator(&self) -> i128 {
        self.num
    }

    pub const fn denominator(&self) -> i128 {
        self.den
    }

    pub const fn is_zero(&self) -> bool {
        self.num == 0
    }

    /// Rounded to `dp` decimals, half away from zero. `dp` above 28 is treated as 28.
    pub fn round_dp(&self, dp: u32) -> Decimal {
        let dp = dp.min(28);
        let scaled = mul_div_round(self.num, 10i128.pow(dp), self.den).unwrap_or(i128::MAX);
        Decimal::try_from_i128_with_scale(scaled, dp).unwrap_or(Decimal::MAX)
    }

    /// Rounded to an integer, half away from zero.
    pub fn round(&self) -> i128 {
        div_round(self.num, self.den)
    }

    /// The value as a decimal, when it has one of at most 28 decimals (the denominator has no
    /// prime factor but 2 and 5).
    pub fn exact_decimal(&self) -> Option<Decimal> {
        let (mut rest, mut twos, mut fives) = (self.den, 0u32, 0u32);
        while rest % 2 == 0 {
            rest /= 2;
            twos += 1;
        }
        while rest % 5 == 0 {
            rest /= 5;
            fives += 1;
        }
        let dp = twos.max(fives);
        if rest != 1 || dp > 28 {
            return None;
        }
        let scaled = mul_div_round(self.num, 10i128.pow(dp), self.den)?;
        Decimal::try_from_i128_with_scale(scaled, dp)
            .ok()
            .map(|d| d.normalize())
    }
}

/// Exactly: a decimal when it has one (`30`, `99.75`), else the fraction (`2000/3`).
impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exact_decimal() {
            Some(decimal) => decimal.fmt(f),
            None => write!(f, "{}/{}", self.num, self.den),
        }
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    /// Cross-multiplication in 256 bits, so no pair of ratios can overflow.
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_products(self.num, other.den, other.num, self.den)
    }
}

/// `a·b` against `c·d`, exactly.
pub(crate) fn cmp_products(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    let left = (a.signum() * b.signum()).cmp(&0);
    let right = (c.signum() * d.signum()).cmp(&0);
    if left != right || left == Ordering::Equal {
        return left.cmp(&right);
    }
    let magnitude = mul_wide(a.unsigned_abs(), b.unsigned_abs())
        .cmp(&mul_wide(c.unsigned_abs(), d.unsigned_abs()));
    if left == Ordering::Less {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// `num / den` rounded half away from zero; `den > 0`.
pub(crate) fn div_round(num: i128, den: i128) -> i128 {
    if den <= 0 {
        return 0;
    }
    let q = num / den;
    let r = (num % den).unsigned_abs();
    if r >= den.unsigned_abs() - r {
        q + num.signum()
    } else {
        q
    }
}

/// `a·b / d` rounded once, half away from zero, with a 256-bit intermediate product.
/// `None` when `d <= 0` or the quotient does not fit in an `i128`.
pub(crate) fn mul_div_round(a: i128, b: i128, d: i128) -> Option<i128> {
    if d <= 0 {
        return None;
    }
    if let Some(product) = a.checked_mul(b) {
        return Some(div_round(product, d));
    }
    let (hi, lo) = mul_wide(a.unsigned_abs(), b.unsigned_abs());
    let d = d.unsigned_abs();
    let (q, r) = div_wide(hi, lo, d)?;
    let q = if r >= d - r { q.checked_add(1)? } else { q };
    let q = i128::try_from(q).ok()?;
    Some(if (a < 0) != (b < 0) { -q } else { q })
}

/// Full 256-bit product as `(high, low)` halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & MASK);
    let (b1, b0) = (b >> 64, b & MASK);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & MASK) + (p10 & MASK);
    let lo = (p00 & MASK) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// `(hi·2^128 + lo) / d` as `(quotient, remainder)`, when the quotient fits in 128 bits.
fn div_wide(hi: u128, lo: u128, d: u128) -> Option<(u128, u128)> {
    if d == 0 || hi >= d {
        return None;
    }
    if hi == 0 {
        return Some((lo / d, lo % d));
    }
    let (mut q, mut r) = (0u128, hi);
    for bit in (0..128).rev() {
        let carry = r >> 127;
        r = (r << 1) | ((lo >> bit) & 1);
        q <<= 1;
        // The true remainder is carry·2^128 + r < 2d; wrapping keeps it exact modulo 2^128.
        if carry == 1 || r >= d {
            r = r.wrapping_sub(d);
            q |= 1;
        }
    }
    Some((q, r))
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_exactly() {
        assert_eq!(Ratio::new(3_000, 1).to_string(), "3000");
        assert_eq!(Ratio::new(39_903, 400).to_string(), "99.7575");
        assert_eq!(Ratio::new(-1, 8).to_string(), "-0.125");
        assert_eq!(Ratio::new(2_000, 3).to_string(), "2000/3");
        assert_eq!(Ratio::new(1, 3 * 1024).to_string(), "1/3072");
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3); // 2.5 → 3
        assert_eq!(div_round(-5, 2), -3); // −2.5 → −3
        assert_eq!(div_round(7, 3), 2); // 2.33 → 2
        assert_eq!(div_round(-7, 3), -2);
        assert_eq!(Ratio::new(99_995, 1000).round_dp(2).to_string(), "100.00"); // 99.995 → 100.00
        assert_eq!(Ratio::new(-1, 8).round_dp(2).to_string(), "-0.13"); // −0.125 → −0.13
    }

    #[test]
    fn wide_product_and_division_are_exact() {
        // (2^100 + 3) · 2^40 / 2^39 = 2^101 + 6, no rounding.
        let a = (1i128 << 100) + 3;
        assert_eq!(mul_div_round(a, 1 << 40, 1 << 39), Some((1i128 << 101) + 6));
        // 10^30 · 10^30 / (3·10^29): 3.33…·10^30 rounds down; ·2 gives …6.67 and rounds up.
        let ten30 = 10i128.pow(30);
        let third = 3 * 10i128.pow(29);
        assert_eq!(
            mul_div_round(ten30, ten30, third),
            Some(3_333_333_333_333_333_333_333_333_333_333)
        );
        assert_eq!(
            mul_div_round(2 * ten30, ten30, third),
            Some(6_666_666_666_666_666_666_666_666_666_667)
        );
        assert_eq!(
            mul_div_round(-ten30, ten30, third),
            Some(-3_333_333_333_333_333_333_333_333_333_333)
        );
        // A quotient beyond i128 is refused rather than wrapped.
        assert_eq!(mul_div_round(ten30, ten30, 1), None);
    }

    #[test]
    fn ratios_compare_by_value_and_reduce() {
        assert_eq!(Ratio::new(2, 4), Ratio::new(1, 2));
        assert_eq!(Ratio::new(3, -6), Ratio::new(-1, 2));
        assert!(Ratio::new(1, 3) < Ratio::new(334, 1000));
        assert!(Ratio::new(-1, 3) > Ratio::new(-334, 1000));
        let big = Ratio::new(i128::MAX - 1, i128::MAX - 2);
        assert!(big > Ratio::from_integer(1));
    }
}
