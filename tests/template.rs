//! Prompt templates: what the context holds (the output's name, description, JSON Schema and
//! examples), strict undefined variables and syntax errors that say where, file templates, no HTML
//! escaping, and templates as the prompts of generations and batches on the Mock backend.

#[path = "support/fixtures.rs"]
mod fixtures;

use std::path::PathBuf;

use fixtures::Person;
use outlines::backend::mock::Mock;
use outlines::backend::{Constraint, Finish, Response, Role};
use outlines::diagnostics::{ErrorKind, Path, Violation};
use outlines::generate::TemplateErrorKind;
use outlines::output::{ReplyKind, Typed};
use outlines::{Batch, GenerateOutput, Output, Structured, Template};
use serde::Serialize;
use serde_json::{Value, json};

/// A contact, with examples on its fields (the second email is no email: that example is dropped).
#[derive(Debug, PartialEq, Structured)]
struct Contact {
    #[outline(
        example = "Ada Lovelace",
        example = "Alan Turing",
        example = "Grace Hopper"
    )]
    name: String,
    #[outline(format = "email")]
    #[outline(
        example = "ada@example.com",
        example = "not an email",
        example = "grace@example.com"
    )]
    email: String,
    /// Left out of the examples: it has none.
    nickname: Option<String>,
    #[outline(example = 36)]
    age: u8,
    address: Address,
    tags: Vec<String>,
    status: Status,
}

#[derive(Debug, PartialEq, Structured)]
struct Address {
    #[outline(example = "London")]
    city: String,
}

#[derive(Debug, PartialEq, Structured)]
enum Status {
    Active,
    Retired,
}

/// No example for a required scalar: no whole example can be made without inventing one.
#[derive(Debug, PartialEq, Structured)]
struct Partial {
    #[outline(example = "x")]
    a: String,
    b: u32,
}

/// A recursive type: the children are an empty list in an example (no `Node` is invented inside one).
#[derive(Debug, PartialEq, Structured)]
struct Node {
    #[outline(example = "root")]
    name: String,
    children: Vec<Node>,
}

/// An internally tagged enum: its first variant that can be assembled, with its tag.
#[derive(Debug, PartialEq, Structured)]
#[serde(tag = "kind")]
enum Shape {
    Circle {
        #[outline(example = 1.5, example = 2.0)]
        radius: f64,
    },
    Square {
        side: f64,
    },
}

/// A cross-field rule the assembled combinations must pass too.
#[derive(Debug, PartialEq, Structured)]
#[outline(check = ordered)]
struct Span {
    #[outline(example = 1, example = 9)]
    start: u32,
    #[outline(example = 5, example = 2)]
    end: u32,
}

fn ordered(span: &Span) -> Result<(), String> {
    if span.start <= span.end {
        Ok(())
    } else {
        Err("start after end".into())
    }
}

/// An output that is not a derived type: yes or no, as text.
#[derive(Clone)]
struct YesNo;

impl Output for YesNo {
    type Value = String;

    fn name(&self) -> String {
        "yes_no".into()
    }

    fn constraint(&self) -> Constraint {
        Constraint::Choice(vec!["yes".into(), "no".into()])
    }

    fn reply_kind(&self) -> ReplyKind {
        ReplyKind::Text
    }

    fn describe(&self) -> String {
        "one of: yes, no".into()
    }

    fn examples(&self) -> Vec<Value> {
        vec!["yes".into(), "no".into()]
    }

    fn read(&self, text: &str, _finish: &Finish) -> Result<String, Vec<Violation>> {
        match text.trim() {
            answer @ ("yes" | "no") => Ok(answer.to_owned()),
            other => Err(vec![Violation::new(
                ErrorKind::Constraint,
                Path::root(),
                "yes or no",
                Some(other.to_owned()),
                "not one of the choices",
            )]),
        }
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn a_derived_type_puts_its_name_description_schema_and_examples_in_the_context() {
    let template = Template::new(
        "fields",
        "name={{ output.name }}
         description={{ output.description }}
         properties={{ output.schema.properties | list | join(',') }}
         schema_json={{ output.schema_json }}
         examples={{ output.examples | length }}",
    )
    .unwrap();
    let text = template.render_for(&Typed::<Person>::new(), ()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "name=Person");
    assert!(
        text.contains(&format!("description={}", Person::describe())),
        "{text}"
    );
    assert!(text.contains("properties=name,age,role"), "{text}");
    let pretty = serde_json::to_string_pretty(&Person::json_schema()).unwrap();
    assert!(text.contains(&format!("schema_json={pretty}")), "{text}");
    // Person's fields have no examples.
    assert!(text.ends_with("examples=0"), "{text}");
}

#[test]
fn an_output_that_is_not_a_derived_type_has_no_schema() {
    let template = Template::new(
        "yes_no",
        "Answer {{ output.name }} ({{ output.description }}), like {{ output.examples | join(' or ') }}.
         {% if output.schema is defined %}schema{% else %}no schema{% endif %}",
    )
    .unwrap();
    let text = template.render_for(&YesNo, ()).unwrap();
    assert_eq!(
        text,
        "Answer yes_no (one of: yes, no), like yes or no.\nno schema"
    );
    let uses_schema = Template::new("schema", "{{ output.schema_json }}").unwrap();
    let error = uses_schema.render_for(&YesNo, ()).unwrap_err();
    assert_eq!(error.kind(), TemplateErrorKind::Undefined);
    assert_eq!(error.variable(), Some("output.schema_json"));
}

#[test]
fn examples_are_whole_values_assembled_from_field_examples_and_validated() {
    let examples = Typed::<Contact>::new().examples();
    assert_eq!(
        examples,
        [
            json!({"name": "Ada Lovelace", "email": "ada@example.com", "age": 36,
                   "address": {"city": "London"}, "tags": [], "status": "Active"}),
            // The second combination's email is no email: it is dropped, not shown to a model.
            json!({"name": "Grace Hopper", "email": "grace@example.com", "age": 36,
                   "address": {"city": "London"}, "tags": [], "status": "Active"}),
        ]
    );
    for example in &examples {
        Contact::from_value(example).unwrap();
    }
    assert!(Typed::<Partial>::new().examples().is_empty());
    assert_eq!(
        Typed::<Node>::new().examples(),
        [json!({"name": "root", "children": []})]
    );
    let shapes = Typed::<Shape>::new().examples();
    assert_eq!(
        serde_json::to_string(&shapes[0]).unwrap(),
        r#"{"kind":"Circle","radius":1.5}"#
    );
    assert_eq!(
        shapes,
        [
            json!({"kind": "Circle", "radius": 1.5}),
            json!({"kind": "Circle", "radius": 2.0})
        ]
    );
    // {start: 9, end: 2} fails the type's check: only the first combination is an example.
    assert_eq!(
        Typed::<Span>::new().examples(),
        [json!({"start": 1, "end": 5})]
    );
    // A list of a type with examples: one item.
    assert_eq!(
        Typed::<Vec<Span>>::new().examples(),
        [json!([{"start": 1, "end": 5}])]
    );
    assert!(Typed::<Person>::new().examples().is_empty());
}

#[test]
fn few_shot_examples_in_a_loop() {
    let template = Template::new(
        "few-shot",
        r#"
        Extract the contact. Examples of replies:
        {% for example in output.examples %}
        {{ loop.index }}. {{ example | tojson }}
        {% endfor %}
        Text: {{ text }}
        "#,
    )
    .unwrap();
    let text = template
        .render_for(
            &Typed::<Contact>::new(),
            json!({"text": "Bob <bob@example.com>"}),
        )
        .unwrap();
    assert_eq!(
        text,
        "Extract the contact. Examples of replies:\n\
         1. {\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"age\":36,\"address\":{\"city\":\"London\"},\"tags\":[],\"status\":\"Active\"}\n\
         2. {\"name\":\"Grace Hopper\",\"email\":\"grace@example.com\",\"age\":36,\"address\":{\"city\":\"London\"},\"tags\":[],\"status\":\"Active\"}\n\
         Text: Bob <bob@example.com>"
    );
}

#[test]
fn an_undefined_variable_names_the_template_the_line_and_the_variable() {
    let template =
        Template::new("greeting", "Hello {{ name }},\n\nyou are {{ user.age }}.").unwrap();
    let error = template
        .render(json!({"name": "Ada", "user": {"name": "Ada"}}))
        .unwrap_err();
    assert_eq!(error.kind(), TemplateErrorKind::Undefined);
    assert_eq!(error.template(), "greeting");
    assert_eq!(error.line(), Some(3));
    assert_eq!(error.variable(), Some("user.age"));
    assert_eq!(
        error.to_string(),
        "template `greeting`, line 3: undefined variable `user.age`; the context has `name`, `user`\n  \
         3 | you are {{ user.age }}."
    );

    // In a loop, a test and a filter alike: strict everywhere.
    for (source, variable) in [
        ("{% for x in items %}{{ x }}{% endfor %}", "items"),
        ("{% if flag %}yes{% endif %}", "flag"),
        ("{{ missing | upper }}", "missing"),
    ] {
        let error = Template::new("t", source).unwrap().render(()).unwrap_err();
        assert_eq!(error.variable(), Some(variable), "{source}: {error}");
        assert_eq!(error.line(), Some(1));
        assert!(
            error.to_string().contains("the context is empty"),
            "{error}"
        );
    }

    // `is defined` and `default` are how a template says a variable is optional.
    let optional = Template::new(
        "optional",
        "{% if nickname is defined %}{{ nickname }}{% else %}{{ name | default('someone') }}{% endif %}",
    )
    .unwrap();
    assert_eq!(optional.render(()).unwrap(), "someone");
}

#[test]
fn a_syntax_error_is_reported_when_the_template_is_made_with_its_line() {
    let error = Template::new("broken", "ok\n{% if %}\nok").unwrap_err();
    assert_eq!(error.kind(), TemplateErrorKind::Syntax);
    assert_eq!(error.line(), Some(2));
    assert_eq!(
        error.to_string(),
        "template `broken`, line 2: syntax error: unexpected end of block\n  2 | {% if %}"
    );
    let error = Template::new("unclosed", "one\ntwo\n{{ a + }}").unwrap_err();
    assert_eq!(error.kind(), TemplateErrorKind::Syntax);
    assert_eq!(error.line(), Some(3));
    assert!(
        error
            .to_string()
            .starts_with("template `unclosed`, line 3: syntax error")
    );
}

#[test]
fn the_common_indentation_goes_and_line_numbers_stay_the_sources() {
    let template = Template::new(
        "indented",
        "
        Line two.
          Indented.
        {{ missing }}
        ",
    )
    .unwrap();
    assert_eq!(
        template.source(),
        "\nLine two.\n  Indented.\n{{ missing }}\n"
    );
    let error = template.render(()).unwrap_err();
    assert_eq!(error.line(), Some(4));
    let fine = Template::new("fine", "\n    Line two.\n      Indented.\n").unwrap();
    assert_eq!(fine.render(()).unwrap(), "Line two.\n  Indented.");
    // The first line follows the opening quote: its indentation does not count.
    let first =
        Template::new("first", "Line one.\n        Line two.\n          Indented.").unwrap();
    assert_eq!(
        first.render(()).unwrap(),
        "Line one.\nLine two.\n  Indented."
    );
    // A file is compiled as written.
    let path = temp_file("indented.j2", "Line one.\n    Line two.\n");
    let file = Template::from_file(&path).unwrap();
    assert_eq!(file.source(), "Line one.\n    Line two.\n");
    assert_eq!(file.render(()).unwrap(), "Line one.\n    Line two.");
}

#[test]
fn nothing_is_html_escaped() {
    // An `.html` name would turn escaping on in minijinja's default environment.
    let template = Template::new("prompt.html", "<b>{{ text }}</b> & {{ data | tojson }}").unwrap();
    let text = template
        .render(json!({"text": "a < b && c > 'd' \"e\"", "data": {"k": "<&>"}}))
        .unwrap();
    assert_eq!(text, r#"<b>a < b && c > 'd' "e"</b> & {"k":"<&>"}"#);
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("outlines-template-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn a_file_template_is_named_by_its_path() {
    let path = temp_file(
        "extract.j2",
        "Extract a {{ output.name }} from:\n{{ text }}\n{{ oops }}\n",
    );
    let template = Template::from_file(&path).unwrap();
    assert_eq!(template.name(), path.display().to_string());
    let error = template
        .render_for(&Typed::<Person>::new(), json!({"text": "John"}))
        .unwrap_err();
    assert_eq!(error.template(), path.display().to_string());
    assert_eq!(error.line(), Some(3));
    assert_eq!(error.variable(), Some("oops"));
    assert!(
        error
            .to_string()
            .contains("the context has `text`, `output`"),
        "{error}"
    );

    let fixed = temp_file(
        "fixed.j2",
        "Extract a {{ output.name }} from:\n{{ text }}\n",
    );
    let text = Template::from_file(&fixed)
        .unwrap()
        .render_for(&Typed::<Person>::new(), json!({"text": "John"}))
        .unwrap();
    assert_eq!(text, "Extract a Person from:\nJohn");

    let missing = path.with_file_name("missing.j2");
    let error = Template::from_file(&missing).unwrap_err();
    assert_eq!(error.kind(), TemplateErrorKind::Read);
    assert!(
        error.to_string().starts_with(&format!(
            "template `{}`: cannot read the file",
            missing.display()
        )),
        "{error}"
    );
}

#[test]
fn the_context_is_any_map_and_output_is_the_librarys() {
    #[derive(Serialize)]
    struct Row<'a> {
        text: &'a str,
        count: u32,
    }
    let template = Template::new("row", "{{ text }} x{{ count }}").unwrap();
    assert_eq!(
        template
            .render(Row {
                text: "a",
                count: 2
            })
            .unwrap(),
        "a x2"
    );
    let map: std::collections::BTreeMap<&str, &str> = [("text", "b"), ("count", "3")].into();
    assert_eq!(template.render(&map).unwrap(), "b x3");

    let error = template.render(["not", "a", "map"]).unwrap_err();
    assert_eq!(error.kind(), TemplateErrorKind::Context);
    assert!(error.to_string().contains("not a sequence"), "{error}");

    // Without an output, `output` is the user's; with one, a clash is an error.
    let own = Template::new("own", "{{ output }}").unwrap();
    assert_eq!(own.render(json!({"output": "mine"})).unwrap(), "mine");
    let error = own
        .render_for(&Typed::<Person>::new(), json!({"output": "mine"}))
        .unwrap_err();
    assert_eq!(error.kind(), TemplateErrorKind::Context);
    assert!(
        error.to_string().contains("has its own `output`"),
        "{error}"
    );
}

#[test]
fn a_generation_sends_the_rendered_prompts_and_keeps_the_librarys_repair_turn() {
    let system = Template::new(
        "system",
        "You extract people from HR notes. A reply has these fields: {{ output.schema.required | join(', ') }}.",
    )
    .unwrap();
    let user = Template::new("user", "Note ({{ department }}): {{ note }}").unwrap();
    let mock = Mock::new()
        .reply(r#"{"name": "", "age": 25, "role": "admin"}"#)
        .reply(r#"{"name": "John", "age": 25, "role": "admin"}"#);
    let person = block_on(
        user.generation::<Person>(
            json!({"department": "R&D", "note": "John <john@x> is 25, an admin"}),
        )
        .unwrap()
        .system_template(&system, ())
        .unwrap()
        .max_attempts(2)
        .run(&mock),
    )
    .unwrap();
    assert_eq!(person, fixtures::john());

    let sent = mock.requests();
    assert_eq!(sent.len(), 2);
    let first = &sent[0];
    // The rendered system template, then the library's instructions for the output.
    assert!(
        first.system.starts_with(
            "You extract people from HR notes. A reply has these fields: name, age, role.\n\n\
             Reply with one JSON value of type `Person`"
        ),
        "{}",
        first.system
    );
    assert!(
        first.system.contains(&Person::describe()),
        "{}",
        first.system
    );
    assert_eq!(first.messages.len(), 1);
    assert_eq!(first.messages[0].role, Role::User);
    assert_eq!(
        first.messages[0].content,
        "Note (R&D): John <john@x> is 25, an admin"
    );

    // The repair turn is the loop's own, after the same rendered prompt.
    let repair = &sent[1];
    assert_eq!(repair.system, first.system);
    assert_eq!(repair.messages.len(), 3);
    assert_eq!(repair.messages[0].content, first.messages[0].content);
    assert_eq!(repair.messages[1].role, Role::Assistant);
    assert!(
        repair.messages[2]
            .content
            .starts_with("Your reply is not a valid JSON value:\n- name:"),
        "{}",
        repair.messages[2].content
    );
    assert!(
        repair.messages[2]
            .content
            .ends_with("Reply with the corrected JSON value only.")
    );
}

#[test]
fn a_template_for_an_output_chosen_at_run_time() {
    let user = Template::new(
        "ask",
        "Is {{ claim }} true? Answer {{ output.description }}.",
    )
    .unwrap();
    let mock = Mock::new().reply("maybe").reply("yes");
    let answer = block_on(
        user.generation_for(&YesNo, json!({"claim": "2 < 3"}))
            .unwrap()
            .run(&mock),
    )
    .unwrap();
    assert_eq!(answer, "yes");
    let sent = mock.requests();
    assert_eq!(
        sent[0].messages[0].content,
        "Is 2 < 3 true? Answer one of: yes, no."
    );
    assert!(
        sent[1].messages[2]
            .content
            .starts_with("Your reply is not a valid text:")
    );
    // The rendered prompt works with `output.generation` too.
    let prompt = user.render_for(&YesNo, json!({"claim": "1 > 2"})).unwrap();
    let answer = block_on(YesNo.generation(prompt).run(&Mock::always("no"))).unwrap();
    assert_eq!(answer, "no");
}

#[test]
fn runtime_outputs_in_the_context() {
    use outlines::output::{JsonSchema, Regex};

    let schema = JsonSchema::compile(&json!({
        "title": "Point",
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
        "required": ["x", "y"],
        "examples": [{"x": 1, "y": 2}]
    }))
    .unwrap();
    let template = Template::new(
        "point",
        "{{ output.schema.required | join(',') }} {{ output.examples | map('tojson') | join(' ') }}
         {% if output.schema_json is string %}text{% endif %}",
    )
    .unwrap();
    let text = template.render_for(&schema, ()).unwrap();
    assert_eq!(text, "x,y {\"x\":1,\"y\":2}\ntext", "{text}");

    let phone = Regex::new(r"\d{3}-\d{4}").unwrap();
    let template = Template::new(
        "phone",
        "{% if output.schema is defined %}schema{% else %}like {{ output.examples | first }}{% endif %}",
    )
    .unwrap();
    let text = template.render_for(&phone, ()).unwrap();
    let example = text.strip_prefix("like ").unwrap();
    assert_eq!(phone.examples()[0], example);

    // One template over many rows, for a runtime schema: the generations share it.
    let rows = [json!({"n": 1}), json!({"n": 2})];
    let ask = Template::new("ask", "Point number {{ n }}").unwrap();
    let mock = Mock::always(r#"{"x": 3, "y": 4}"#);
    let points = block_on(Batch::new(ask.generations_for(&schema, &rows).unwrap()).run(&mock));
    assert_eq!(points.len(), 2);
    for point in points {
        assert_eq!(point.unwrap(), json!({"x": 3, "y": 4}));
    }
}

#[test]
fn a_batch_from_one_template_and_many_contexts() {
    #[derive(Serialize)]
    struct Row {
        name: &'static str,
        age: u8,
    }
    let rows = [
        Row {
            name: "Ann",
            age: 31,
        },
        Row {
            name: "Bob",
            age: 42,
        },
        Row {
            name: "Cy",
            age: 53,
        },
    ];
    let user = Template::new("row", "Extract: {{ name }} is {{ age }}, a user.").unwrap();
    let system = Template::new(
        "system",
        "Fields: {{ output.schema.required | join(', ') }}.",
    )
    .unwrap();
    // A stand-in model that reads the prompt back as the person it names.
    let mock = Mock::from_fn(|request| {
        let words: Vec<&str> = request.messages[0].content.split(' ').collect();
        let (name, age) = (words[1], words[3].trim_end_matches(','));
        Ok(Response::text(format!(
            r#"{{"name": "{name}", "age": {age}, "role": "user"}}"#
        )))
    });
    let system_text = system.render_for(&Typed::<Person>::new(), ()).unwrap();
    let generations = user.generations::<Person>(&rows).unwrap();
    let report = block_on(
        Batch::new(
            generations
                .into_iter()
                .map(|g| g.system(system_text.clone())),
        )
        .max_concurrency(2)
        .report(&mock),
    );
    let people: Vec<(String, u8)> = report
        .results
        .into_iter()
        .map(|r| {
            let p = r.unwrap();
            (p.name, p.age)
        })
        .collect();
    assert_eq!(
        people,
        [("Ann".into(), 31), ("Bob".into(), 42), ("Cy".into(), 53)]
    );
    let mut prompts: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| {
            assert!(
                r.system.starts_with("Fields: name, age, role.\n\n"),
                "{}",
                r.system
            );
            r.messages[0].content.clone()
        })
        .collect();
    prompts.sort();
    assert_eq!(
        prompts,
        [
            "Extract: Ann is 31, a user.",
            "Extract: Bob is 42, a user.",
            "Extract: Cy is 53, a user.",
        ]
    );

    // A row the template cannot render is named by its position, before any request is made.
    let error = user
        .generations::<Person>([json!({"name": "Ann", "age": 1}), json!({"name": "Bob"})])
        .unwrap_err();
    assert_eq!(error.row(), Some(1));
    assert!(
        error
            .to_string()
            .starts_with("template `row`, context 1, line 1: undefined variable `age`"),
        "{error}"
    );
}

#[test]
fn context_values_are_text_never_template() {
    // A value that looks like Jinja (from a user, a document, a model) is inserted as written.
    let template = Template::new("t", "Summarize: {{ text }}").unwrap();
    let text = template
        .render(json!({"text": "{{ secret }} {% for x in y %}"}))
        .unwrap();
    assert_eq!(text, "Summarize: {{ secret }} {% for x in y %}");
}

#[test]
fn a_template_is_shared_across_threads() {
    let template = Template::new("t", "{{ n }}").unwrap();
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let template = template.clone();
            std::thread::spawn(move || template.render(json!({ "n": n })).unwrap())
        })
        .collect();
    let out: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(out, ["0", "1", "2", "3"]);
}
