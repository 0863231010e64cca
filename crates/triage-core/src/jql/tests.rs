use proptest::prelude::*;

use super::*;

fn term(field: Field, operator: Operator, operand: Operand) -> Clause {
    Clause::Term(Term {
        field,
        operator,
        operand,
    })
}

fn text(value: &str) -> Operand {
    Operand::Value(Value::Text(value.to_string()))
}

#[test]
fn reads_a_runbook_query() {
    let query = parse("project = INC AND status = Open ORDER BY priority DESC").unwrap();
    assert_eq!(
        query.clause,
        Some(Clause::And(vec![
            term(Field::Project, Operator::Equals, text("INC")),
            term(Field::Status, Operator::Equals, text("Open")),
        ]))
    );
    assert_eq!(
        query.order_by,
        vec![Sort {
            field: Field::Priority,
            direction: Some(Direction::Descending)
        }]
    );
}

#[test]
fn and_binds_tighter_than_or_and_not_tighter_than_and() {
    let query = parse("labels = a OR NOT labels = b AND labels = c").unwrap();
    assert_eq!(
        query.clause,
        Some(Clause::Or(vec![
            term(Field::Labels, Operator::Equals, text("a")),
            Clause::And(vec![
                Clause::Not(Box::new(term(Field::Labels, Operator::Equals, text("b")))),
                term(Field::Labels, Operator::Equals, text("c")),
            ]),
        ]))
    );
    assert_eq!(
        query.to_string(),
        "labels = a OR (NOT labels = b AND labels = c)"
    );
}

#[test]
fn operators_lists_functions_and_empty() {
    let query = parse(
        "assignee in (currentUser(), \"bob@example.com\") and resolution is EMPTY \
         and created >= -1d and status not in (Resolved, 'False Alarm') and text ~ \"db pool\" \
         and priority is not null and !(key <= INC-4)",
    )
    .unwrap();
    let Some(Clause::And(parts)) = &query.clause else {
        panic!("{query:?}")
    };
    assert_eq!(parts.len(), 7);
    assert_eq!(
        parts[0],
        term(
            Field::Assignee,
            Operator::In,
            Operand::List(vec![
                Value::Function {
                    name: "currentUser".into(),
                    args: vec![]
                },
                Value::Text("bob@example.com".into()),
            ])
        )
    );
    assert_eq!(
        parts[1],
        term(Field::Resolution, Operator::Is, Operand::Empty)
    );
    assert_eq!(
        parts[2],
        term(Field::Created, Operator::GreaterOrEqual, text("-1d"))
    );
    assert_eq!(
        parts[6],
        Clause::Not(Box::new(term(
            Field::Key,
            Operator::LessOrEqual,
            text("INC-4")
        )))
    );
    assert_eq!(
        query.to_string(),
        "assignee in (currentUser(), bob@example.com) AND resolution is EMPTY AND \
         created >= -1d AND status not in (Resolved, \"False Alarm\") AND text ~ \"db pool\" AND \
         priority is not EMPTY AND NOT key <= INC-4"
    );
}

#[test]
fn aliases_and_any_case() {
    let query = parse("IssueKey = inc-1 OR TYPE = Incident order by CreatedDate asc").unwrap();
    assert_eq!(
        query.to_string(),
        "key = inc-1 OR issuetype = Incident ORDER BY created ASC"
    );
    assert_eq!(parse("").unwrap(), Query::default());
    assert_eq!(
        parse("ORDER BY key").unwrap().order_by,
        vec![Sort {
            field: Field::Key,
            direction: None
        }]
    );
}

fn error(query: &str) -> String {
    parse(query).unwrap_err().to_string()
}

#[test]
fn errors_say_what_and_where() {
    assert_eq!(
        error("project = INC AND foo = bar"),
        "Error in the JQL Query: Field 'foo' does not exist or you do not have permission to view it. (line 1, character 19)"
    );
    assert_eq!(
        error("status ~ Open"),
        "Error in the JQL Query: The operator '~' is not supported by the 'status' field. (line 1, character 8)"
    );
    assert_eq!(
        error("status = Open Closed"),
        "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'Closed'. (line 1, character 15)"
    );
    assert!(
        error("status").starts_with(
            "Error in the JQL Query: Expecting operator; the valid operators are '=', '!='"
        ),
        "{}",
        error("status")
    );
    assert_eq!(
        error("status in (Open"),
        "Error in the JQL Query: Expecting ',' or ')' but the query ended. (line 1, character 16)"
    );
    assert_eq!(
        error("summary ~ \"open"),
        "Error in the JQL Query: The quoted string starting with \" is not closed. (line 1, character 11)"
    );
    assert_eq!(
        error("status = Open\nAND (priority = High"),
        "Error in the JQL Query: Expecting ')' but the query ended. (line 2, character 21)"
    );
    assert_eq!(
        error("assignee is Open"),
        "Error in the JQL Query: Expecting EMPTY or NULL after 'is' but got 'Open'. (line 1, character 13)"
    );
    assert_eq!(
        error("ORDER BY text"),
        "Error in the JQL Query: Field 'text' does not support sorting. (line 1, character 10)"
    );
    assert_eq!(
        error("status = and"),
        "Error in the JQL Query: Expecting a value but got 'and'. (line 1, character 10)"
    );
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9@._-]{0,8}",
        "[ -~]{0,10}",
        Just("and".to_string()),
        Just("EMPTY".to_string()),
        Just(String::new()),
        "\\PC{0,6}",
    ]
}

fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => any_text().prop_map(Value::Text),
        1 => ("[a-zA-Z]{1,10}", proptest::collection::vec(any_text(), 0..3))
            .prop_filter("a function name is no keyword", |(name, _)| !parse::is_reserved(name))
            .prop_map(|(name, args)| Value::Function { name, args }),
    ]
}

fn any_term() -> impl Strategy<Value = Term> {
    let operand = prop_oneof![
        any_value().prop_map(Operand::Value),
        proptest::collection::vec(any_value(), 1..4).prop_map(Operand::List),
        Just(Operand::Empty),
    ];
    (
        proptest::sample::select(Field::ALL.to_vec()),
        proptest::sample::select(Operator::ALL.to_vec()),
        operand,
    )
        .prop_filter_map(
            "fits the field and operator",
            |(field, operator, operand)| {
                let fits = match (&operand, operator) {
                    (Operand::Empty, Operator::Is | Operator::IsNot) => field.supports(operator),
                    (_, Operator::Is | Operator::IsNot) => false,
                    (Operand::List(_), Operator::In | Operator::NotIn) => field.supports(operator),
                    (_, Operator::In | Operator::NotIn) | (Operand::List(_), _) => false,
                    (Operand::Empty, Operator::Equals | Operator::NotEquals) => {
                        field.supports(Operator::Is)
                    }
                    (Operand::Empty, _) => false,
                    (Operand::Value(_), _) => field.supports(operator),
                };
                fits.then_some(Term {
                    field,
                    operator,
                    operand,
                })
            },
        )
}

fn any_clause() -> impl Strategy<Value = Clause> {
    any_term()
        .prop_map(Clause::Term)
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Clause::And),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Clause::Or),
                inner.prop_map(|c| Clause::Not(Box::new(c))),
            ]
        })
}

fn any_query() -> impl Strategy<Value = Query> {
    let sort = (
        proptest::sample::select(
            Field::ALL
                .into_iter()
                .filter(|f| f.sortable())
                .collect::<Vec<_>>(),
        ),
        proptest::option::of(prop_oneof![
            Just(Direction::Ascending),
            Just(Direction::Descending)
        ]),
    )
        .prop_map(|(field, direction)| Sort { field, direction });
    (
        proptest::option::of(any_clause()),
        proptest::collection::vec(sort, 0..3),
    )
        .prop_map(|(clause, order_by)| Query { clause, order_by })
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_query(query in any_query()) {
        let printed = query.to_string();
        let parsed = parse(&printed);
        prop_assert_eq!(parsed, Ok(query), "printed as {}", printed);
    }

    #[test]
    fn any_text_parses_or_fails_cleanly(text in "\\PC{0,40}") {
        if let Ok(query) = parse(&text) {
            prop_assert_eq!(parse(&query.to_string()), Ok(query));
        }
    }
}
