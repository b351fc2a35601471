//! The verification phrase: a few words both partners see after pairing and compare aloud.
//!
//! It is derived from both endpoint ids (order-independent), so if someone intercepted the
//! ticket and paired in the partner's place, the two screens show different words.

use iroh::EndpointId;

/// 256 short, distinct, easy-to-say words: each word carries one byte.
const WORDS: [&str; 256] = [
    "acorn", "adobe", "agate", "alder", "almond", "amber", "anchor", "anvil", "apple",
    "apricot", "arbor", "arch", "aspen", "atlas", "autumn", "avocado", "badge", "bagel",
    "bamboo", "banjo", "barley", "basil", "basket", "beacon", "beaver", "berry", "birch",
    "biscuit", "bison", "blossom", "bluebird", "bonfire", "breeze", "brook", "bubble",
    "bucket", "butter", "cabin", "cactus", "camel", "candle", "canoe", "canyon", "caramel",
    "carrot", "cashew", "castle", "cedar", "celery", "cello", "cherry", "chestnut", "cider",
    "cinnamon", "citrus", "clover", "cobalt", "cocoa", "coconut", "comet", "compass", "copper",
    "coral", "cotton", "cricket", "crystal", "cupcake", "daisy", "dandelion", "delta", "denim",
    "desert", "dolphin", "domino", "dragon", "dune", "eagle", "echo", "ember", "emerald",
    "falcon", "fennel", "fern", "fiddle", "fig", "firefly", "flamingo", "flint", "forest",
    "fossil", "fox", "galaxy", "garden", "garnet", "gazelle", "geyser", "ginger", "glacier",
    "glove", "granite", "grape", "gravel", "harbor", "harvest", "hazel", "heron", "hickory",
    "honey", "horizon", "iris", "island", "ivory", "jade", "jasmine", "jelly", "juniper",
    "kayak", "kettle", "kiwi", "koala", "lagoon", "lantern", "lavender", "lemon", "lentil",
    "lilac", "lily", "linen", "lotus", "lynx", "magnet", "mango", "maple", "marble", "meadow",
    "melon", "meteor", "mint", "mitten", "moose", "mosaic", "moss", "muffin", "nectar", "nest",
    "nickel", "nutmeg", "oak", "oasis", "ocean", "olive", "onyx", "orchid", "otter", "owl",
    "paddle", "panda", "papaya", "parsley", "peach", "pebble", "pecan", "pepper", "pilot",
    "pine", "planet", "plum", "pond", "poppy", "prairie", "prism", "puffin", "pumpkin",
    "quail", "quartz", "quill", "rabbit", "radish", "rain", "raven", "reef", "ribbon", "river",
    "robin", "rocket", "rose", "ruby", "saffron", "sage", "salmon", "sandal", "sapphire",
    "scarf", "seal", "sequoia", "shell", "sierra", "silver", "sketch", "sparrow", "spruce",
    "squash", "star", "stone", "summit", "sunflower", "swan", "tablet", "tangerine", "teapot",
    "thistle", "thunder", "tiger", "timber", "toast", "topaz", "tulip", "tundra", "turtle",
    "umbrella", "valley", "vanilla", "velvet", "violet", "walnut", "walrus", "wave", "willow",
    "window", "winter", "wren", "yarrow", "yogurt", "zebra", "zephyr", "zinnia", "acacia",
    "badger", "cove", "dew", "elm", "fjord", "grove", "hawk", "inlet", "jasper", "kelp",
    "lark", "marsh", "mesa", "nova", "pearl", "quince", "rhubarb", "sorrel", "trout",
];

/// Four words (32 bits) from a hash of both endpoint ids.
pub fn phrase(a: &EndpointId, b: &EndpointId) -> String {
    let (lo, hi) = if a.as_bytes() <= b.as_bytes() { (a, b) } else { (b, a) };
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"duet verification phrase v1");
    hasher.update(lo.as_bytes());
    hasher.update(hi.as_bytes());
    let hash = hasher.finalize();
    hash.as_bytes()[..4]
        .iter()
        .map(|&b| WORDS[usize::from(b)])
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_distinct() {
        let mut w = WORDS.to_vec();
        w.sort_unstable();
        w.dedup();
        assert_eq!(w.len(), 256);
    }

    #[test]
    fn same_on_both_sides_and_differs_per_pair() {
        let a = iroh::SecretKey::generate().public();
        let b = iroh::SecretKey::generate().public();
        let c = iroh::SecretKey::generate().public();
        assert_eq!(phrase(&a, &b), phrase(&b, &a));
        assert_ne!(phrase(&a, &b), phrase(&a, &c));
        assert_eq!(phrase(&a, &b).split(' ').count(), 4);
    }
}
