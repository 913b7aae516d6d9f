//! A broader evaluation set, written on 2026-12-06 without tuning the library on it: the cases
//! were written from what users extract, then left alone.
//!
//! Twelve kinds: contacts (the common email and phone patterns, obfuscated emails, one person
//! picked among several), invoices (line items as arrays of objects, totals after the array,
//! European and Japanese amounts), products (SKU patterns, a 12-variant category), support
//! tickets (priority and a 12-variant category, a bounded summary, optional order ids), job
//! postings (salary ranges, remote, skills), recipes (ingredients with fractional quantities and a
//! unit enum), flight bookings (IATA codes, flight numbers, RFC 3339 date-times), sentiment
//! (label, confidence, aspect, language; some texts not in English), postal addresses (postal
//! code pattern, a 14-country enum), meeting notes (action items with optional due dates),
//! appointments (dates and times as patterns) and expenses (10+ categories). Texts are short and
//! long, some messy: typos, chatter, several entities of which one is meant, numbers as words,
//! currency symbols, fields that are absent. Each expected value follows from the text alone.

use outlines::Structured;
use serde::Serialize;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Shared enums

/// A currency, as its ISO 4217 code.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Currency {
    Usd,
    Eur,
    Gbp,
    Jpy,
    Chf,
    Cad,
    Aud,
    Inr,
    Sek,
    Cny,
}

// ---------------------------------------------------------------------------------------------
// contact

/// A person's contact details.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Contact {
    #[outline(min = 1, max = 80)]
    pub(crate) name: String,
    #[outline(pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")]
    pub(crate) email: Option<String>,
    #[outline(pattern = r"^\+?[0-9 ()-]{6,20}$")]
    pub(crate) phone: Option<String>,
    #[outline(min = 1, max = 80)]
    pub(crate) company: Option<String>,
    #[outline(min = 1, max = 80)]
    pub(crate) job_title: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// invoice

/// An invoice: who issued it to whom, its line items and its totals.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Invoice {
    #[outline(pattern = r"^INV-[0-9]{4,8}$")]
    pub(crate) invoice_number: String,
    #[outline(min = 1, max = 100)]
    pub(crate) vendor: String,
    #[outline(min = 1, max = 100)]
    pub(crate) customer: String,
    #[outline(format = "date")]
    pub(crate) issue_date: String,
    #[outline(format = "date")]
    pub(crate) due_date: Option<String>,
    pub(crate) currency: Currency,
    #[outline(min = 1, max = 30)]
    pub(crate) items: Vec<LineItem>,
    #[outline(min = 0.0)]
    pub(crate) subtotal: f64,
    #[outline(min = 0.0)]
    pub(crate) tax: f64,
    #[outline(min = 0.0)]
    pub(crate) total: f64,
}

/// One line of an invoice.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct LineItem {
    #[outline(min = 1, max = 120)]
    pub(crate) description: String,
    #[outline(min = 1)]
    pub(crate) quantity: u32,
    #[outline(min = 0.0)]
    pub(crate) unit_price: f64,
    /// Quantity times unit price.
    #[outline(min = 0.0)]
    pub(crate) amount: f64,
}

// ---------------------------------------------------------------------------------------------
// product

/// A product listing in a shop catalogue.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Product {
    #[outline(pattern = r"^[A-Z]{3}-[0-9]{4}$")]
    pub(crate) sku: String,
    #[outline(min = 1, max = 120)]
    pub(crate) name: String,
    #[outline(min = 1, max = 60)]
    pub(crate) brand: Option<String>,
    /// The current price.
    #[outline(min = 0.0)]
    pub(crate) price: f64,
    pub(crate) currency: Currency,
    pub(crate) in_stock: bool,
    pub(crate) category: ProductCategory,
    #[outline(min = 0.0)]
    pub(crate) weight_kg: Option<f64>,
}

/// A shop department.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ProductCategory {
    Electronics,
    HomeKitchen,
    Clothing,
    SportsOutdoors,
    Toys,
    Beauty,
    Books,
    Garden,
    Automotive,
    Office,
    Grocery,
    PetSupplies,
}

// ---------------------------------------------------------------------------------------------
// ticket

/// A customer support ticket.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Ticket {
    /// The problem in one line.
    #[outline(min = 1, max = 120)]
    pub(crate) summary: String,
    pub(crate) priority: Priority,
    pub(crate) category: TicketCategory,
    #[outline(pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")]
    pub(crate) customer_email: Option<String>,
    #[outline(pattern = r"^ORD-[0-9]{5}$")]
    pub(crate) order_id: Option<String>,
}

/// How soon the ticket needs an answer.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

/// What the ticket is about.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TicketCategory {
    /// Charges, invoices, refunds.
    Billing,
    /// Signing in, passwords, two-factor codes.
    Login,
    /// Profile changes, account deletion.
    Account,
    /// Something does not work as it should.
    Bug,
    /// Slowness, timeouts.
    Performance,
    /// A request for something the product does not do.
    FeatureRequest,
    /// Delivery of physical orders.
    Shipping,
    /// Suspicious activity, compromised accounts, vulnerabilities.
    Security,
    /// APIs, webhooks, third-party connections.
    Integration,
    /// Getting data out of the product.
    DataExport,
    /// Ending a subscription.
    Cancellation,
    Other,
}

// ---------------------------------------------------------------------------------------------
// job

/// A job posting.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct JobPosting {
    #[outline(min = 1, max = 100)]
    pub(crate) title: String,
    #[outline(min = 1, max = 100)]
    pub(crate) company: String,
    #[outline(min = 1, max = 100)]
    pub(crate) location: Option<String>,
    /// Whether the job can be done fully remotely.
    pub(crate) remote: bool,
    pub(crate) employment_type: EmploymentType,
    pub(crate) department: Department,
    pub(crate) salary_min: Option<u32>,
    pub(crate) salary_max: Option<u32>,
    pub(crate) currency: Option<Currency>,
    /// What the salary figures are per.
    pub(crate) pay_period: Option<PayPeriod>,
    #[outline(max = 10, inner(min = 1, max = 40))]
    pub(crate) skills: Vec<String>,
    #[outline(max = 40)]
    pub(crate) min_years_experience: Option<u8>,
}

/// The kind of contract.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EmploymentType {
    FullTime,
    PartTime,
    Contract,
    Internship,
    Temporary,
}

/// A department of a company.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Department {
    Engineering,
    Data,
    Design,
    Product,
    Marketing,
    Sales,
    CustomerSupport,
    Finance,
    Legal,
    HumanResources,
    Operations,
    Security,
}

/// The period a salary is paid for.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PayPeriod {
    Hour,
    Month,
    Year,
}

// ---------------------------------------------------------------------------------------------
// recipe

/// A recipe.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Recipe {
    #[outline(min = 1, max = 100)]
    pub(crate) title: String,
    #[outline(min = 1, max = 50)]
    pub(crate) servings: u8,
    #[outline(min = 1, max = 30)]
    pub(crate) ingredients: Vec<Ingredient>,
    #[outline(min = 1, max = 20, inner(min = 1, max = 300))]
    pub(crate) steps: Vec<String>,
    /// Preparation and cooking time together.
    #[outline(min = 1, max = 2000)]
    pub(crate) total_minutes: Option<u16>,
}

/// One ingredient with its amount.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Ingredient {
    #[outline(min = 1, max = 80)]
    pub(crate) name: String,
    #[outline(exclusive_min = 0.0)]
    pub(crate) quantity: f64,
    pub(crate) unit: Unit,
}

/// A unit of measure in a recipe.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Unit {
    Gram,
    Kilogram,
    Milliliter,
    Liter,
    Teaspoon,
    Tablespoon,
    Cup,
    Ounce,
    Pound,
    /// Whole items counted: 2 eggs, 1 onion.
    Piece,
    Pinch,
    Clove,
    Slice,
}

// ---------------------------------------------------------------------------------------------
// flight

/// A flight booking.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct FlightBooking {
    /// The booking reference (PNR).
    #[outline(pattern = r"^[A-Z0-9]{6}$")]
    pub(crate) booking_reference: String,
    #[outline(min = 1, max = 9)]
    pub(crate) passengers: Vec<String>,
    #[outline(min = 1, max = 8)]
    pub(crate) segments: Vec<FlightSegment>,
    pub(crate) cabin: Cabin,
    #[outline(min = 0.0)]
    pub(crate) total_price: Option<f64>,
    pub(crate) currency: Option<Currency>,
}

/// One flight of a booking.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct FlightSegment {
    #[outline(pattern = r"^[A-Z0-9]{2}[0-9]{1,4}$")]
    pub(crate) flight_number: String,
    /// IATA code of the departure airport.
    #[outline(pattern = r"^[A-Z]{3}$")]
    pub(crate) from: String,
    /// IATA code of the arrival airport.
    #[outline(pattern = r"^[A-Z]{3}$")]
    pub(crate) to: String,
    #[outline(format = "date-time")]
    pub(crate) departure: Option<String>,
}

/// A cabin class.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Cabin {
    Economy,
    PremiumEconomy,
    Business,
    First,
}

// ---------------------------------------------------------------------------------------------
// sentiment

/// The sentiment of a piece of customer feedback.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Sentiment {
    pub(crate) label: SentimentLabel,
    #[outline(min = 0.0, max = 1.0)]
    pub(crate) confidence: f64,
    /// What the feedback is mainly about.
    pub(crate) aspect: Aspect,
    /// The language the feedback is written in.
    pub(crate) language: Language,
}

/// The overall sentiment.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SentimentLabel {
    Positive,
    Negative,
    Neutral,
    Mixed,
}

/// An aspect of a product or service.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Aspect {
    Price,
    Quality,
    Delivery,
    CustomerService,
    Usability,
    Performance,
    Reliability,
    Design,
    Documentation,
    Other,
}

/// A language, as its ISO 639-1 code.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Language {
    En,
    De,
    Fr,
    Es,
    It,
    Pt,
    Nl,
    Pl,
    Sv,
    Ja,
}

// ---------------------------------------------------------------------------------------------
// address

/// A postal address.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Address {
    #[outline(min = 1, max = 100)]
    pub(crate) recipient: Option<String>,
    #[outline(min = 1, max = 100)]
    pub(crate) street: String,
    #[outline(min = 1, max = 60)]
    pub(crate) city: String,
    /// State, province or region, if the address has one.
    #[outline(min = 1, max = 60)]
    pub(crate) region: Option<String>,
    #[outline(pattern = r"^[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]$")]
    pub(crate) postal_code: String,
    pub(crate) country: Country,
}

/// A country, as its ISO 3166-1 alpha-2 code.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Country {
    Us,
    Gb,
    Ie,
    De,
    Fr,
    Nl,
    Es,
    It,
    Ch,
    Ca,
    Jp,
    Au,
    In,
    Br,
}

// ---------------------------------------------------------------------------------------------
// meeting

/// Notes from a meeting, with its action items.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct MeetingNotes {
    #[outline(min = 1, max = 120)]
    pub(crate) title: String,
    #[outline(format = "date")]
    pub(crate) date: String,
    #[outline(max = 30)]
    pub(crate) attendees: Vec<String>,
    #[outline(max = 20)]
    pub(crate) action_items: Vec<ActionItem>,
    #[outline(max = 10)]
    pub(crate) decisions: Vec<String>,
}

/// A task someone agreed to do.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct ActionItem {
    #[outline(min = 1, max = 60)]
    pub(crate) owner: String,
    #[outline(min = 1, max = 200)]
    pub(crate) task: String,
    #[outline(format = "date")]
    pub(crate) due: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// appointment

/// An appointment someone booked or asked for.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Appointment {
    #[outline(min = 1, max = 80)]
    pub(crate) client_name: String,
    #[outline(min = 1, max = 80)]
    pub(crate) service: String,
    /// YYYY-MM-DD.
    #[outline(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub(crate) date: String,
    /// 24-hour HH:MM.
    #[outline(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub(crate) time: String,
    #[outline(min = 5, max = 480)]
    pub(crate) duration_minutes: Option<u16>,
    #[outline(pattern = r"^\+?[0-9 ()-]{6,20}$")]
    pub(crate) phone: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// expense

/// An expense, from a receipt.
#[derive(Debug, Serialize, Structured)]
pub(crate) struct Expense {
    #[outline(min = 1, max = 100)]
    pub(crate) merchant: String,
    /// YYYY-MM-DD.
    #[outline(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub(crate) date: Option<String>,
    /// The total paid.
    #[outline(min = 0.0)]
    pub(crate) amount: f64,
    pub(crate) currency: Currency,
    pub(crate) category: ExpenseCategory,
    pub(crate) payment_method: PaymentMethod,
}

/// An expense category.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ExpenseCategory {
    Travel,
    Lodging,
    Meals,
    Transport,
    Fuel,
    OfficeSupplies,
    Software,
    Training,
    Entertainment,
    Telecom,
    Other,
}

/// How an expense was paid.
#[derive(Debug, Serialize, Structured)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PaymentMethod {
    Cash,
    CreditCard,
    DebitCard,
    BankTransfer,
    Paypal,
    Other,
}

// ---------------------------------------------------------------------------------------------
// The cases

/// One prompt: the kind of value, the text, and fields whose right values are known (JSON
/// pointer, value).
pub(crate) struct Case {
    pub(crate) kind: &'static str,
    pub(crate) text: &'static str,
    pub(crate) expect: Vec<(&'static str, Value)>,
}

/// `for_kind!(kind, function, args...)` calls `function::<TheType>(args...).await` for the case's type.
macro_rules! for_kind {
    ($kind:expr, $f:ident, $($arg:expr),*) => {
        match $kind {
            "contact" => $f::<cases::Contact>($($arg),*).await,
            "invoice" => $f::<cases::Invoice>($($arg),*).await,
            "product" => $f::<cases::Product>($($arg),*).await,
            "ticket" => $f::<cases::Ticket>($($arg),*).await,
            "job" => $f::<cases::JobPosting>($($arg),*).await,
            "recipe" => $f::<cases::Recipe>($($arg),*).await,
            "flight" => $f::<cases::FlightBooking>($($arg),*).await,
            "sentiment" => $f::<cases::Sentiment>($($arg),*).await,
            "address" => $f::<cases::Address>($($arg),*).await,
            "meeting" => $f::<cases::MeetingNotes>($($arg),*).await,
            "appointment" => $f::<cases::Appointment>($($arg),*).await,
            "expense" => $f::<cases::Expense>($($arg),*).await,
            other => panic!("no type for kind {other}"),
        }
    };
}
pub(crate) use for_kind;

/// Every case, grouped by kind.
pub(crate) fn cases() -> Vec<Case> {
    let case = |kind, text, expect| Case { kind, text, expect };
    vec![
        // ----- contact -----
        case(
            "contact",
            "Hi, thanks for the call today! As promised, here are my details: Dana Whitfield, Head of Procurement at Northwind Traders. Email dana.whitfield@northwind-traders.com, mobile +1 (415) 555-0142. Talk soon.",
            vec![
                ("/name", json!("Dana Whitfield")),
                ("/email", json!("dana.whitfield@northwind-traders.com")),
                ("/phone", json!("+1 (415) 555-0142")),
                ("/company", json!("Northwind Traders")),
            ],
        ),
        case(
            "contact",
            "--\nKenji Watanabe | Senior Data Engineer\nkenji.w+newsletters@fastmail.jp\nSent from my phone, pls excuse typos",
            vec![
                ("/name", json!("Kenji Watanabe")),
                ("/email", json!("kenji.w+newsletters@fastmail.jp")),
                ("/phone", json!(null)),
                ("/job_title", json!("Senior Data Engineer")),
            ],
        ),
        case(
            "contact",
            "You asked who to contact about the invoice dispute. Not Tom Becker (tom@beckerlaw.de), he only handles our contracts. The person you need is our accountant Sabine Krüger at Kanzlei Krüger: sabine.krueger@kanzlei-krueger.de, tel. 030 2345 6789.",
            vec![
                ("/name", json!("Sabine Krüger")),
                ("/email", json!("sabine.krueger@kanzlei-krueger.de")),
                ("/phone", json!("030 2345 6789")),
            ],
        ),
        case(
            "contact",
            "call me back on 07700 900123 - Gareth from Hollis Plumbing. no email sorry, im old school",
            vec![
                ("/name", json!("Gareth")),
                ("/phone", json!("07700 900123")),
                ("/email", json!(null)),
                ("/company", json!("Hollis Plumbing")),
            ],
        ),
        case(
            "contact",
            "Marco Rossi, architect. Write to m.rossi [at] studio-rossi [dot] it (anti-spam, sorry) or ring +39 02 8765 4321 on weekdays.",
            vec![
                ("/name", json!("Marco Rossi")),
                ("/email", json!("m.rossi@studio-rossi.it")),
                ("/phone", json!("+39 02 8765 4321")),
            ],
        ),
        // ----- invoice -----
        case(
            "invoice",
            "INVOICE INV-20417\nFrom: Brightline Design Studio\nBill to: Harbor Coffee Co.\nIssued: 2025-02-03   Due: 2025-03-05\n\nLogo design: 1 x $1,200.00 = $1,200.00\nBusiness cards (box of 500): 3 x $45.00 = $135.00\nLetterhead template: 2 x $80.00 = $160.00\n\nSubtotal: $1,495.00\nSales tax (8%): $119.60\nTotal due: $1,614.60",
            vec![
                ("/invoice_number", json!("INV-20417")),
                ("/currency", json!("USD")),
                ("/items/1/quantity", json!(3)),
                ("/items/2/unit_price", json!(80.0)),
                ("/total", json!(1614.6)),
            ],
        ),
        case(
            "invoice",
            "Müller IT-Beratung GmbH, Lindenstr. 8, 50674 Köln\nRechnung Nr. INV-0098\nRechnungsdatum: 14.01.2025\nKunde: Kaufhaus Lindner KG\n\nPos. 1  Beratung, 12 Stunden à 95,00 € = 1.140,00 €\nPos. 2  Reisekostenpauschale, 1 x 150,00 € = 150,00 €\n\nNettobetrag: 1.290,00 €\nUSt. 19 %: 245,10 €\nGesamtbetrag: 1.535,10 €\nZahlbar innerhalb von 14 Tagen ohne Abzug.",
            vec![
                ("/invoice_number", json!("INV-0098")),
                ("/issue_date", json!("2025-01-14")),
                ("/currency", json!("EUR")),
                ("/items/0/quantity", json!(12)),
                ("/total", json!(1535.1)),
            ],
        ),
        case(
            "invoice",
            "hey, pasting the invoice details here since the PDF didn't go through lol.\n\ninvoice # INV-5521, from Pixel & Pine Web Services to Greenleaf Dental, dated March 9 2025.\n- website hosting, twelve months at £20 each\n- SSL certificate, one at £60\n- emergency support call, two hours at £75/hr\nsubtotal £450, no VAT (we're under the threshold), so total £450.\nno due date, pay whenever suits. cheers, Ollie",
            vec![
                ("/items/0/quantity", json!(12)),
                ("/items/2/unit_price", json!(75.0)),
                ("/tax", json!(0.0)),
                ("/total", json!(450.0)),
                ("/due_date", json!(null)),
            ],
        ),
        case(
            "invoice",
            "ACME Industrial Supply - Invoice INV-300781\nCustomer: Delta Fabrication LLC (PO 4471)\nInvoice date: 2024-11-28 | Terms: Net 30 | Due: 2024-12-28\n\nQty  Description                   Unit    Amount\n10   Hex bolts M8 (pack of 100)   14.50   145.00\n4    Safety gloves, size L         8.25    33.00\n1    Angle grinder 125mm          89.99    89.99\n25   Cable ties 300mm (bag)        2.40    60.00\n2    Shipping & handling          15.00    30.00\n\nSubtotal 357.99\nTax 7.25% 25.95\nTOTAL USD 383.94\n\nThank you for your business! Questions? billing@acme-industrial.example",
            vec![
                ("/items/3/quantity", json!(25)),
                ("/items/2/unit_price", json!(89.99)),
                ("/subtotal", json!(357.99)),
                ("/total", json!(383.94)),
                ("/due_date", json!("2024-12-28")),
            ],
        ),
        case(
            "invoice",
            "Invoice INV-7720 from Sakura Translation K.K. to Orbit Games Ltd., dated 2025-04-01. Translation of the game script (EN to JA), 18,000 words at ¥12 per word: ¥216,000. Proofreading, 1 lot: ¥30,000. Subtotal ¥246,000; consumption tax 10%: ¥24,600; total ¥270,600. Payment within 30 days.",
            vec![
                ("/currency", json!("JPY")),
                ("/items/0/quantity", json!(18000)),
                ("/items/0/unit_price", json!(12.0)),
                ("/tax", json!(24600.0)),
                ("/total", json!(270600.0)),
            ],
        ),
        // ----- product -----
        case(
            "product",
            "NEW ARRIVAL: TrailBlaze 2 hiking backpack by Summit Gear. 28 L, rain cover included. SKU: SPT-1042. Now $89.95 (was $119.95)! In stock, ships tomorrow. Weight 1.2 kg.",
            vec![
                ("/sku", json!("SPT-1042")),
                ("/price", json!(89.95)),
                ("/in_stock", json!(true)),
                ("/category", json!("sports_outdoors")),
                ("/weight_kg", json!(1.2)),
            ],
        ),
        case(
            "product",
            "Item ELC-0077: Nimbus 65W USB-C charger (GaN), white. €34,99 incl. VAT. Currently out of stock; restock expected mid-May.",
            vec![
                ("/sku", json!("ELC-0077")),
                ("/price", json!(34.99)),
                ("/currency", json!("EUR")),
                ("/in_stock", json!(false)),
                ("/category", json!("electronics")),
            ],
        ),
        case(
            "product",
            "selling our cast iron skillet (10 inch), sku KIT-2210. pairs great with the matching lid (sku KIT-2211, sold separately, $19). skillet price: $42. plenty in stock!!",
            vec![
                ("/sku", json!("KIT-2210")),
                ("/price", json!(42.0)),
                ("/currency", json!("USD")),
                ("/in_stock", json!(true)),
                ("/category", json!("home_kitchen")),
            ],
        ),
        case(
            "product",
            "Product code: BKS-0456\nTitle: The Pragmatic Gardener (paperback, 2nd edition)\nPublisher: Fernwood Press\nPrice: GBP 14.99\nAvailability: only 3 left in stock",
            vec![
                ("/sku", json!("BKS-0456")),
                ("/price", json!(14.99)),
                ("/currency", json!("GBP")),
                ("/category", json!("books")),
                ("/weight_kg", json!(null)),
            ],
        ),
        // ----- ticket -----
        case(
            "ticket",
            "Subject: charged twice!!\n\nHi, I was billed twice for my March subscription (two charges of $29 on the 3rd). Please refund one of them asap. Order ORD-58213. Priority: high.\n-- jen.o@gmail.com",
            vec![
                ("/category", json!("billing")),
                ("/priority", json!("high")),
                ("/order_id", json!("ORD-58213")),
                ("/customer_email", json!("jen.o@gmail.com")),
            ],
        ),
        case(
            "ticket",
            "cant log in since the update. it keeps saying 'invalid code' for the 2fa even tho the code is right. tried 3 times and now im locked out. this is URGENT, i have a client demo in an hour. account email is r.patel@brightwave.io",
            vec![
                ("/category", json!("login")),
                ("/priority", json!("urgent")),
                ("/customer_email", json!("r.patel@brightwave.io")),
                ("/order_id", json!(null)),
            ],
        ),
        case(
            "ticket",
            "Not a problem really, more of a wish: it would be great if the mobile app had a dark mode. No rush at all, low priority from our side. Thanks for the great product!",
            vec![
                ("/category", json!("feature_request")),
                ("/priority", json!("low")),
                ("/customer_email", json!(null)),
            ],
        ),
        case(
            "ticket",
            "Hello, I ordered two things last week. Order ORD-10442 (the desk lamp) arrived fine, thank you. But order ORD-10457, the office chair, still shows 'label created' after 9 days and the tracking hasn't moved. Could you check with the carrier? Normal priority, I'm not in a hurry but would like an update.\nBest, Alan Cho (alan.cho@outlook.com)",
            vec![
                ("/category", json!("shipping")),
                ("/priority", json!("normal")),
                ("/order_id", json!("ORD-10457")),
                ("/customer_email", json!("alan.cho@outlook.com")),
            ],
        ),
        case(
            "ticket",
            "SECURITY - priority: urgent. We got an alert that someone signed in to our admin account from an IP in another country at 03:12 last night. None of us did that. We have already reset the password, but we need you to check the audit logs and revoke all sessions. Reported by it-admin@kestrel-logistics.com",
            vec![
                ("/category", json!("security")),
                ("/priority", json!("urgent")),
                ("/customer_email", json!("it-admin@kestrel-logistics.com")),
            ],
        ),
        case(
            "ticket",
            "Since Tuesday every webhook your platform sends to our Shopify connector fails with HTTP 401, so no orders sync. We rotated nothing on our side. Priority high please, our warehouse is working from spreadsheets. Contact: ops@tidewater-goods.com",
            vec![
                ("/category", json!("integration")),
                ("/priority", json!("high")),
                ("/customer_email", json!("ops@tidewater-goods.com")),
                ("/order_id", json!(null)),
            ],
        ),
        // ----- job -----
        case(
            "job",
            "We're hiring! Senior Backend Engineer (Rust) at Fernbank Analytics, fully remote (EU time zones). Full-time. Salary €85,000 to €105,000 a year plus equity. You have 5+ years of backend experience, solid Rust and PostgreSQL, and some Kubernetes. Nice to have: Kafka.",
            vec![
                ("/remote", json!(true)),
                ("/employment_type", json!("full_time")),
                ("/department", json!("engineering")),
                ("/salary_min", json!(85000)),
                ("/salary_max", json!(105000)),
            ],
        ),
        case(
            "job",
            "Part-time Customer Support Specialist (20 hrs/week) at Lumen Books, on-site in our Portland, OR store. Pay: $22-$26 per hour. Friendly attitude and basic computer skills required.",
            vec![
                ("/remote", json!(false)),
                ("/employment_type", json!("part_time")),
                ("/department", json!("customer_support")),
                ("/salary_min", json!(22)),
                ("/pay_period", json!("hour")),
            ],
        ),
        case(
            "job",
            "Contract role, 6 months: Data Analyst for Q3 reporting at Marlow Retail Group, London office (on-site 5 days a week). Must know SQL, Excel and Tableau; at least two years in a similar role. Rate depending on experience.",
            vec![
                ("/remote", json!(false)),
                ("/employment_type", json!("contract")),
                ("/department", json!("data")),
                ("/salary_min", json!(null)),
                ("/min_years_experience", json!(2)),
            ],
        ),
        case(
            "job",
            "Summer Internship - Product Design @ Quillstack\n\nWho we are: Quillstack builds note-taking tools for researchers. We're 40 people, mostly engineers, and we care a lot about craft, calm work and writing things down. Our design team is three people and you'd be the fourth.\n\nWhere: remote; you can work from anywhere in Canada.\nPay: CA$4,000 per month\nDuration: 12 weeks (May to August)\nWhat you'll use: Figma, user interviews, prototyping, basic HTML/CSS\n\nApply by April 15 with a portfolio (student projects are fine!).",
            vec![
                ("/remote", json!(true)),
                ("/employment_type", json!("internship")),
                ("/department", json!("design")),
                ("/currency", json!("CAD")),
                ("/pay_period", json!("month")),
            ],
        ),
        // ----- recipe -----
        case(
            "recipe",
            "Classic pancakes (serves 4)\n\nIngredients:\n- 200 g flour\n- 2 eggs\n- 300 ml milk\n- 1 tbsp sugar\n- 1 pinch salt\n- 30 g butter, melted\n\nMethod:\n1. Whisk the flour, sugar and salt.\n2. Beat in the eggs and milk until smooth.\n3. Stir in the melted butter and rest the batter for 15 minutes.\n4. Fry ladlefuls in a hot pan, about 1 minute per side.",
            vec![
                ("/servings", json!(4)),
                ("/ingredients/0/quantity", json!(200.0)),
                ("/ingredients/0/unit", json!("gram")),
                ("/ingredients/1/unit", json!("piece")),
                ("/ingredients/2/unit", json!("milliliter")),
            ],
        ),
        case(
            "recipe",
            "Grandma's garlic butter shrimp - feeds 2 hungry people. You'll need 1/2 lb shrimp, peeled; 3 cloves garlic; 2 tablespoons butter; 1/4 tsp chili flakes. Melt the butter, add the garlic for a minute, then the shrimp, 2 min per side. Chili flakes at the end. Done in 15 minutes flat.",
            vec![
                ("/servings", json!(2)),
                ("/ingredients/0/quantity", json!(0.5)),
                ("/ingredients/0/unit", json!("pound")),
                ("/ingredients/1/unit", json!("clove")),
                ("/ingredients/3/quantity", json!(0.25)),
            ],
        ),
        case(
            "recipe",
            "Okay, before the recipe, a quick story. Last spring I spent a week in Naples and ate pizza twice a day (no regrets). The pizzaiolo at a tiny place near the station let me watch him work, and the big lesson was: wet dough, long rise, very hot oven. My home oven only goes to 250°C, so I use a steel. Anyway! Pizza dough, makes 3 pizzas (3 servings): 500 g tipo 00 flour, 325 ml warm water, 7 g dried yeast, 10 g salt, 1 tbsp olive oil. Mix everything, knead for 10 minutes, let it rise for 2 hours, then divide into three balls. Leave a comment if you try it!",
            vec![
                ("/servings", json!(3)),
                ("/ingredients/1/quantity", json!(325.0)),
                ("/ingredients/1/unit", json!("milliliter")),
                ("/ingredients/2/quantity", json!(7.0)),
                ("/ingredients/4/unit", json!("tablespoon")),
            ],
        ),
        case(
            "recipe",
            "Banana bread. Makes one loaf, cut into 8 slices (8 servings). Three ripe bananas, one third cup melted butter, three quarters cup sugar, one egg, one teaspoon baking soda, a pinch of salt, one and a half cups flour. Mash the bananas, mix in the butter, then everything else. Bake at 350°F for 60 minutes.",
            vec![
                ("/servings", json!(8)),
                ("/ingredients/0/quantity", json!(3.0)),
                ("/ingredients/0/unit", json!("piece")),
                ("/ingredients/2/quantity", json!(0.75)),
                ("/ingredients/6/quantity", json!(1.5)),
            ],
        ),
        // ----- flight -----
        case(
            "flight",
            "Booking confirmed! Reference: QX7P2M\nPassenger: Ms Laura Chen\nFlight LH 2471, Munich (MUC) to London Heathrow (LHR)\nDeparts 2025-05-19T07:05:00+02:00, arrives 2025-05-19T08:10:00+01:00\nCabin: Economy\nTotal paid: €212.40",
            vec![
                ("/booking_reference", json!("QX7P2M")),
                ("/segments/0/flight_number", json!("LH2471")),
                ("/segments/0/from", json!("MUC")),
                ("/segments/0/departure", json!("2025-05-19T07:05:00+02:00")),
                ("/total_price", json!(212.4)),
            ],
        ),
        case(
            "flight",
            "hi! just booked our trip, here's the itinerary for your records: outbound UA 901 San Francisco SFO to Frankfurt FRA on June 2, return UA 900 FRA to SFO on June 16. Business class both ways!! Confirmation code K9LMZT. Travellers: Sam Nair and Priya Nair.",
            vec![
                ("/booking_reference", json!("K9LMZT")),
                ("/segments/0/flight_number", json!("UA901")),
                ("/segments/1/flight_number", json!("UA900")),
                ("/segments/1/from", json!("FRA")),
                ("/cabin", json!("business")),
            ],
        ),
        case(
            "flight",
            "Your search returned 3 options; you booked option 2.\nOption 1: BA 117 LHR-JFK 09:25\nOption 2: VS 3 LHR-JFK 11:40 (BOOKED)\nOption 3: AA 101 LHR-JFK 13:05\nBooking ref: 8HD2QA. Premium economy. Departure 2025-09-08T11:40:00+01:00. Fare paid: £684.00.",
            vec![
                ("/segments/0/flight_number", json!("VS3")),
                ("/segments/0/departure", json!("2025-09-08T11:40:00+01:00")),
                ("/cabin", json!("premium_economy")),
                ("/total_price", json!(684.0)),
                ("/currency", json!("GBP")),
            ],
        ),
        case(
            "flight",
            "E-TICKET RECEIPT. PNR: 4TR8VW. Pax: OKAFOR/CHIDI MR.\nSeg 1: ET 901 Lagos (LOS) dep 2025-11-03T23:30:00+01:00 to Addis Ababa (ADD).\nSeg 2: ET 302 Addis Ababa (ADD) dep 2025-11-04T09:15:00+03:00 to Nairobi (NBO).\nClass: Economy. Total USD 742.00.",
            vec![
                ("/booking_reference", json!("4TR8VW")),
                ("/segments/0/from", json!("LOS")),
                ("/segments/1/flight_number", json!("ET302")),
                ("/segments/1/to", json!("NBO")),
                ("/segments/1/departure", json!("2025-11-04T09:15:00+03:00")),
            ],
        ),
        // ----- sentiment -----
        case(
            "sentiment",
            "Absolutely love it. Setup took two minutes and the app is dead simple to use.",
            vec![
                ("/label", json!("positive")),
                ("/aspect", json!("usability")),
                ("/language", json!("en")),
            ],
        ),
        case(
            "sentiment",
            "Die Lieferung hat drei Wochen gedauert und das Paket kam beschädigt an. Nie wieder.",
            vec![
                ("/label", json!("negative")),
                ("/aspect", json!("delivery")),
                ("/language", json!("de")),
            ],
        ),
        case(
            "sentiment",
            "Great sound, honestly the best headphones I've owned. But at $349 they're way overpriced.",
            vec![("/label", json!("mixed")), ("/language", json!("en"))],
        ),
        case(
            "sentiment",
            "Oh fantastic, the support agent hung up on me. Twice. Truly world-class customer service 🙄",
            vec![
                ("/label", json!("negative")),
                ("/aspect", json!("customer_service")),
                ("/language", json!("en")),
            ],
        ),
        case(
            "sentiment",
            "La batterie tient environ une journée, comme annoncé. Rien d'exceptionnel, rien à redire.",
            vec![("/label", json!("neutral")), ("/language", json!("fr"))],
        ),
        case(
            "sentiment",
            "El manual de instrucciones está incompleto y la mitad de los pasos no coinciden con el producto que recibí.",
            vec![
                ("/label", json!("negative")),
                ("/aspect", json!("documentation")),
                ("/language", json!("es")),
            ],
        ),
        // ----- address -----
        case(
            "address",
            "Please ship to: Emily Carter, 742 Evergreen Terrace, Springfield, IL 62704, USA",
            vec![
                ("/recipient", json!("Emily Carter")),
                ("/street", json!("742 Evergreen Terrace")),
                ("/city", json!("Springfield")),
                ("/region", json!("IL")),
                ("/postal_code", json!("62704")),
            ],
        ),
        case(
            "address",
            "our new office from 1 May: 14 Abbey Road, London NW8 9AY, United Kingdom. pls update your records!",
            vec![
                ("/street", json!("14 Abbey Road")),
                ("/city", json!("London")),
                ("/postal_code", json!("NW8 9AY")),
                ("/country", json!("GB")),
                ("/recipient", json!(null)),
            ],
        ),
        case(
            "address",
            "Shipping label needed. Our billing address is the HQ (Keizersgracht 123, 1015 CJ Amsterdam, Netherlands), but that is NOT where the pallets go: the address for the label is our warehouse, Industrieweg 45, 3044 AS Rotterdam, Netherlands.",
            vec![
                ("/street", json!("Industrieweg 45")),
                ("/city", json!("Rotterdam")),
                ("/postal_code", json!("3044 AS")),
                ("/country", json!("NL")),
            ],
        ),
        case(
            "address",
            "Mail the cheque to: Northern Lights Co-op, 200 Bay Street, Toronto ON M5J 2J2, Canada",
            vec![
                ("/recipient", json!("Northern Lights Co-op")),
                ("/city", json!("Toronto")),
                ("/region", json!("ON")),
                ("/postal_code", json!("M5J 2J2")),
                ("/country", json!("CA")),
            ],
        ),
        case(
            "address",
            "Lieferadresse: Anna Schmidt, Hauptstraße 5, 80331 München, Deutschland",
            vec![
                ("/recipient", json!("Anna Schmidt")),
                ("/street", json!("Hauptstraße 5")),
                ("/city", json!("München")),
                ("/postal_code", json!("80331")),
                ("/country", json!("DE")),
            ],
        ),
        case(
            "address",
            "Visitors: our Tokyo office is at 2-21-1 Shibuya, Shibuya-ku, Tokyo 150-0002, Japan (11th floor, ask at reception).",
            vec![
                ("/city", json!("Tokyo")),
                ("/postal_code", json!("150-0002")),
                ("/country", json!("JP")),
            ],
        ),
        // ----- meeting -----
        case(
            "meeting",
            "Weekly sync, 2025-06-10\nAttendees: Priya, Marcus, Lena\n\n- Decided: release 2.3 slips one week, new date 2025-06-24.\n- Priya to update the changelog by 2025-06-13.\n- Marcus will investigate the flaky login test (no deadline).\n- Lena: book the venue for the offsite by June 20, 2025.",
            vec![
                ("/date", json!("2025-06-10")),
                ("/action_items/0/owner", json!("Priya")),
                ("/action_items/0/due", json!("2025-06-13")),
                ("/action_items/1/due", json!(null)),
                ("/action_items/2/due", json!("2025-06-20")),
            ],
        ),
        case(
            "meeting",
            "Notes from the call with Acme, Tuesday 4 March 2025. Present: Jo and Raj (us), Dmitri (Acme). Dmitri confirmed they want the pilot extended to 50 seats. ACTION: Raj sends the revised quote by Friday 7 March 2025. ACTION: Jo sets up the SSO test tenant, no date agreed. Next call in two weeks.",
            vec![
                ("/date", json!("2025-03-04")),
                ("/action_items/0/owner", json!("Raj")),
                ("/action_items/0/due", json!("2025-03-07")),
                ("/action_items/1/owner", json!("Jo")),
                ("/action_items/1/due", json!(null)),
            ],
        ),
        case(
            "meeting",
            "Board meeting, 2025-01-15. All five directors present. The minutes of the previous meeting were approved and the Q4 results were noted. No action items were assigned.",
            vec![("/date", json!("2025-01-15")), ("/action_items", json!([]))],
        ),
        case(
            "meeting",
            "ok quick recap from today's standup (Nov 18 2025) since half of you were out:\n- backend: Wei fixed the cache bug and deployed it\n- Wei will also write the postmortem, due 2025-11-21\n- frontend is blocked on the design for the settings page, Carla will chase the design team (no date set)\n- Amir is on vacation till the 24th\n- decision: feature freeze for the 2025-12-01 release\nanything i missed, ping me. - Sofia",
            vec![
                ("/date", json!("2025-11-18")),
                ("/action_items/0/owner", json!("Wei")),
                ("/action_items/0/due", json!("2025-11-21")),
                ("/action_items/1/owner", json!("Carla")),
                ("/action_items/1/due", json!(null)),
            ],
        ),
        // ----- appointment -----
        case(
            "appointment",
            "Hi, this is Rosa Delgado. I'd like to book a haircut and color for Saturday 2025-08-16 at 2:30 pm; it usually takes about 90 minutes. My number is 555-0198.",
            vec![
                ("/client_name", json!("Rosa Delgado")),
                ("/date", json!("2025-08-16")),
                ("/time", json!("14:30")),
                ("/duration_minutes", json!(90)),
                ("/phone", json!("555-0198")),
            ],
        ),
        case(
            "appointment",
            "Need to move my dentist appointment. It's currently on 2025-04-02 at 09:00; could we do 2025-04-09 at 16:15 instead? Same checkup, 30 min. Thanks, Henrik Larsen",
            vec![
                ("/client_name", json!("Henrik Larsen")),
                ("/date", json!("2025-04-09")),
                ("/time", json!("16:15")),
                ("/duration_minutes", json!(30)),
            ],
        ),
        case(
            "appointment",
            "Booking for a sports massage: Friday the fourteenth of March 2025, quarter past six in the evening, one hour. Name's Olu Bankole.",
            vec![
                ("/date", json!("2025-03-14")),
                ("/time", json!("18:15")),
                ("/duration_minutes", json!(60)),
                ("/phone", json!(null)),
            ],
        ),
        case(
            "appointment",
            "Terminbestätigung: Physiotherapie am 03.10.2025 um 11:00 Uhr (45 Min.). Patientin: Greta Vogel, Tel. +49 89 1234567. Bitte 10 Minuten vorher da sein.",
            vec![
                ("/client_name", json!("Greta Vogel")),
                ("/date", json!("2025-10-03")),
                ("/time", json!("11:00")),
                ("/duration_minutes", json!(45)),
                ("/phone", json!("+49 89 1234567")),
            ],
        ),
        // ----- expense -----
        case(
            "expense",
            "THE HUNGRY FOX BISTRO\n12 Market St, Leeds\n07 Feb 2025  19:42\n2x Fish & chips       £25.00\n1x Sticky toffee pud   £6.50\n2x Pale ale            £11.00\nTOTAL                  £42.50\nPAID VISA CREDIT ****4421\nThank you, come again!",
            vec![
                ("/date", json!("2025-02-07")),
                ("/amount", json!(42.5)),
                ("/currency", json!("GBP")),
                ("/category", json!("meals")),
                ("/payment_method", json!("credit_card")),
            ],
        ),
        case(
            "expense",
            "Uber trip receipt, Thu, Sep 11, 2025. Trip fare $23.40, tip $4.00, total charged $27.40 to your PayPal account.",
            vec![
                ("/date", json!("2025-09-11")),
                ("/amount", json!(27.4)),
                ("/category", json!("transport")),
                ("/payment_method", json!("paypal")),
            ],
        ),
        case(
            "expense",
            "Hotel Alpenblick, Zermatt. 2 nights, 12 to 14 Dec 2025, CHF 480.00 in total, paid in advance by bank transfer.",
            vec![
                ("/amount", json!(480.0)),
                ("/currency", json!("CHF")),
                ("/category", json!("lodging")),
                ("/payment_method", json!("bank_transfer")),
            ],
        ),
        case(
            "expense",
            "Your receipt from Figma, Inc.\nReceipt #2231-9910\nDate paid: 2025-01-05\nProfessional plan (annual), 1 editor: $144.00\nTax: $0.00\nAmount paid: $144.00\nPayment method: Mastercard debit ending in 8812",
            vec![
                ("/date", json!("2025-01-05")),
                ("/amount", json!(144.0)),
                ("/currency", json!("USD")),
                ("/category", json!("software")),
                ("/payment_method", json!("debit_card")),
            ],
        ),
    ]
}
