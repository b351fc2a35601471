//! The verification phrase: a few words both partners see after pairing and compare aloud.
//!
//! It is derived from both endpoint ids (order-independent), so if someone intercepted the
//! ticket and paired in the partner's place, or answered in the inviter's place, the two
//! screens show different words. It only helps if the two people compare it over a channel
//! the attacker does not control: aloud, in person or on a call.

use iroh::EndpointId;

/// How many words the phrase has. Each word of the BIP-39 English list carries 11 bits, so
/// five words carry 55: an attacker who must make a pairing show the same words as the
/// genuine one has to grind about 2^54 endpoint keys, far more than fits in an invitation's
/// lifetime.
pub const WORDS: usize = 5;

/// Bits of the phrase (at least 50).
pub const BITS: usize = WORDS * 11;

/// The verification phrase of the pairing between two endpoints: the same on both sides.
pub fn phrase(a: &EndpointId, b: &EndpointId) -> String {
    let (lo, hi) = if a.as_bytes() <= b.as_bytes() {
        (a, b)
    } else {
        (b, a)
    };
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"duet verification phrase v2");
    hasher.update(lo.as_bytes());
    hasher.update(hi.as_bytes());
    let hash = hasher.finalize();
    // The first 64 bits, 11 at a time from the top.
    let mut bits =
        u64::from_be_bytes(<[u8; 8]>::try_from(&hash.as_bytes()[..8]).unwrap_or_default());
    let list = bip39::Language::English.word_list();
    let mut words = Vec::with_capacity(WORDS);
    for _ in 0..WORDS {
        words.push(list[usize::try_from(bits >> 53).unwrap_or(0)]);
        bits <<= 11;
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_at_least_fifty_bits() {
        const { assert!(BITS >= 50) };
        // Distinct pairs give distinct phrases over many samples (no low-entropy mapping).
        let a = iroh::SecretKey::generate().public();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let b = iroh::SecretKey::generate().public();
            assert!(seen.insert(phrase(&a, &b)));
        }
    }

    #[test]
    fn same_on_both_sides_and_differs_per_pair() {
        let a = iroh::SecretKey::generate().public();
        let b = iroh::SecretKey::generate().public();
        let c = iroh::SecretKey::generate().public();
        assert_eq!(phrase(&a, &b), phrase(&b, &a));
        assert_ne!(phrase(&a, &b), phrase(&a, &c));
        assert_eq!(phrase(&a, &b).split(' ').count(), WORDS);
    }
}
