use cosmwasm_std::Addr;
use cw_storage_plus::{Item, Map};
use twinshare_types::escrow::{Config, Sale};

const CONFIG_KEY: &str = "config";
const SALE_COUNT_KEY: &str = "sale_count";
const SALES_KEY: &str = "sales";
const SALES_BY_BUYER_KEY: &str = "sales_by_buyer";
const SALES_BY_SELLER_KEY: &str = "sales_by_seller";
const PENDING_KEY: &str = "pending";
const OPEN_PURCHASE_KEY: &str = "open_purchase";

/// Every storage key string of the crate, so a test can check that none is used twice.
#[cfg(test)]
pub const ALL_KEYS: [&str; 7] = [
    CONFIG_KEY,
    SALE_COUNT_KEY,
    SALES_KEY,
    SALES_BY_BUYER_KEY,
    SALES_BY_SELLER_KEY,
    PENDING_KEY,
    OPEN_PURCHASE_KEY,
];

/// The contract's configuration.
pub const CONFIG: Item<Config> = Item::new(CONFIG_KEY);
/// The id of the last sale; ids start at 1.
pub const SALE_COUNT: Item<u64> = Item::new(SALE_COUNT_KEY);
/// Every sale, open or closed, by id.
pub const SALES: Map<u64, Sale> = Map::new(SALES_KEY);
/// (buyer, sale id): the `SalesByBuyer` index.
pub const SALES_BY_BUYER: Map<(&Addr, u64), ()> = Map::new(SALES_BY_BUYER_KEY);
/// (seller, sale id): the `SalesBySeller` index.
pub const SALES_BY_SELLER: Map<(&Addr, u64), ()> = Map::new(SALES_BY_SELLER_KEY);
/// (relayer, sale id) of the sales whose re-key is in and whose delivery is awaited: the
/// `PendingDeliveries` index a relayer polls. Removed on delivery or refund.
pub const PENDING: Map<(&Addr, u64), ()> = Map::new(PENDING_KEY);
/// (buyer, asset id) -> the buyer's open sale of that asset; removed when the sale closes, so a
/// buyer holds at most one open sale of an asset.
pub const OPEN_PURCHASE: Map<(&Addr, u64), u64> = Map::new(OPEN_PURCHASE_KEY);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn storage_keys_are_unique() {
        let unique: BTreeSet<&str> = ALL_KEYS.iter().copied().collect();
        assert_eq!(unique.len(), ALL_KEYS.len());
    }

    #[test]
    fn storage_keys_are_the_ones_in_use() {
        // Ties ALL_KEYS to the items: a new item with a reused key would have to change both.
        assert_eq!(CONFIG.as_slice(), CONFIG_KEY.as_bytes());
        assert_eq!(SALE_COUNT.as_slice(), SALE_COUNT_KEY.as_bytes());
        assert_eq!(SALES.namespace_bytes(), SALES_KEY.as_bytes());
        assert_eq!(
            SALES_BY_BUYER.namespace_bytes(),
            SALES_BY_BUYER_KEY.as_bytes()
        );
        assert_eq!(
            SALES_BY_SELLER.namespace_bytes(),
            SALES_BY_SELLER_KEY.as_bytes()
        );
        assert_eq!(PENDING.namespace_bytes(), PENDING_KEY.as_bytes());
        assert_eq!(
            OPEN_PURCHASE.namespace_bytes(),
            OPEN_PURCHASE_KEY.as_bytes()
        );
    }
}
