// The benchmark type shared by `benches/validate.rs`, `tests/alloc.rs` and `tests/rendering.rs`: a realistic order
// (~1 KB of JSON: 20 fields, 10 nested line items, patterns, formats, ranges).

use outlines::Structured;
use serde::Deserialize;

#[derive(Debug, PartialEq, Structured, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    Pending,
    Paid,
    Shipped,
    Cancelled,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
pub(crate) struct Item {
    #[outline(pattern = r"^SKU-[A-Z0-9]{4,8}$")]
    pub(crate) sku: String,
    #[outline(min = 1, max = 120)]
    pub(crate) name: String,
    #[outline(min = 1, max = 100)]
    pub(crate) quantity: u32,
    #[outline(min = 0)]
    pub(crate) unit_price: f64,
    pub(crate) gift: bool,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
pub(crate) struct Address {
    #[outline(min = 1, max = 120)]
    pub(crate) street: String,
    #[outline(min = 1, max = 80)]
    pub(crate) city: String,
    #[outline(pattern = r"^[0-9]{5}$")]
    pub(crate) zip: String,
    #[outline(one_of = ["US", "CA", "MX"])]
    pub(crate) country: String,
}

#[derive(Debug, PartialEq, Structured, Deserialize)]
pub(crate) struct Order {
    #[outline(pattern = r"^ORD-[0-9]{6}$")]
    pub(crate) id: String,
    #[outline(min = 1, max = 80)]
    pub(crate) customer: String,
    #[outline(format = "email")]
    pub(crate) email: String,
    #[outline(min = 18, max = 120)]
    pub(crate) age: u8,
    pub(crate) status: Status,
    #[outline(min = 0)]
    pub(crate) total: f64,
    #[outline(one_of = ["USD", "EUR", "GBP"])]
    pub(crate) currency: String,
    #[outline(min = 1, max = 50)]
    pub(crate) items: Vec<Item>,
    pub(crate) shipping: Address,
    pub(crate) notes: Option<String>,
    #[outline(max = 10, inner(min = 1, max = 20))]
    pub(crate) tags: Vec<String>,
    #[outline(format = "date")]
    pub(crate) placed_on: String,
    pub(crate) priority: bool,
    #[outline(min = 0, max = 5)]
    pub(crate) rating: Option<u8>,
    #[outline(min = 0, max = 100)]
    pub(crate) discount_percent: f64,
    pub(crate) coupon: Option<String>,
    #[outline(min = 1)]
    pub(crate) warehouse: u16,
    pub(crate) gift_wrap: bool,
    #[outline(min = 0, max = 30)]
    pub(crate) delivery_days: u8,
    pub(crate) loyalty_points: u32,
}

/// A valid order of about 1 KB.
pub(crate) fn order_json() -> String {
    let items: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"sku":"SKU-A{i}B{i}C","name":"Widget number {i}","quantity":{},"unit_price":{}.5,"gift":{}}}"#,
                i + 1,
                i * 3,
                i % 2 == 0
            )
        })
        .collect();
    format!(
        r#"{{"id":"ORD-004217","customer":"Ada Lovelace","email":"ada@example.com","age":36,"status":"paid","total":215.0,"currency":"EUR","items":[{}],"shipping":{{"street":"12 Analytical Row","city":"London","zip":"12345","country":"US"}},"notes":null,"tags":["priority","gift"],"placed_on":"2024-02-29","priority":true,"rating":5,"discount_percent":12.5,"coupon":"SPRING24","warehouse":7,"gift_wrap":false,"delivery_days":3,"loyalty_points":1200}}"#,
        items.join(",")
    )
}
