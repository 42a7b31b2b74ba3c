// Written by hand in types both backends share (BigInt, Integer, Text); instants are unix seconds.

diesel::table! {
    components (key) {
        key -> Text,
        name -> Text,
        description -> Text,
        group_key -> Nullable<Text>,
        external_id -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    plans (key) {
        key -> Text,
        name -> Text,
        description -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    plan_versions (id) {
        id -> BigInt,
        plan_key -> Text,
        version -> Integer,
        effective_from -> Text,
        price_minor -> BigInt,
        currency -> Text,
        terms -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    plan_version_components (plan_version_id, component_key) {
        plan_version_id -> BigInt,
        component_key -> Text,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        external_id -> Text,
        name -> Text,
        region -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> BigInt,
        customer_id -> BigInt,
        plan_key -> Text,
        start_at -> BigInt,
        end_at -> Nullable<BigInt>,
        fee_override_minor -> Nullable<BigInt>,
        fee_override_currency -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor -> Text,
        role -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (subject, key) {
        subject -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    incidents (id) {
        id -> BigInt,
        title -> Text,
        status -> Text,
        external_id -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    impact_windows (id) {
        id -> BigInt,
        incident_id -> BigInt,
        component_key -> Text,
        severity -> Text,
        start_at -> BigInt,
        end_at -> Nullable<BigInt>,
        source -> Nullable<Text>,
        source_ref -> Nullable<Text>,
        notification_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    sign_in_links (code_hash) {
        code_hash -> Text,
        subject -> Text,
        role -> Text,
        token_seconds -> BigInt,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    ingest_rules (id) {
        id -> BigInt,
        source -> Text,
        component_label -> Nullable<Text>,
        component -> Nullable<Text>,
        severity_label -> Text,
        severities -> Text,
        region_label -> Nullable<Text>,
        customer_label -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    ingest_notifications (id) {
        id -> BigInt,
        source -> Text,
        key -> Text,
        received_at -> BigInt,
        body -> Text,
        identity -> Text,
        at -> BigInt,
        state -> Text,
        problem -> Nullable<Text>,
        incident_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    window_regions (window_id, region) {
        window_id -> BigInt,
        region -> Text,
    }
}

diesel::table! {
    window_customers (window_id, customer_id) {
        window_id -> BigInt,
        customer_id -> BigInt,
    }
}

diesel::table! {
    credit_runs (id) {
        id -> BigInt,
        period -> Text,
        as_of -> BigInt,
        started_by -> Text,
        started_at -> BigInt,
        subscriptions_evaluated -> Integer,
        created -> Integer,
        unchanged -> Integer,
        superseded -> Integer,
        adjusted -> Integer,
        totals -> Text,
        state -> Text,
        problem -> Nullable<Text>,
        finished_at -> Nullable<BigInt>,
        progress_done -> Integer,
        progress_total -> Integer,
        lease_until -> BigInt,
    }
}

diesel::table! {
    credits (id) {
        id -> BigInt,
        kind -> Text,
        status -> Text,
        subscription_id -> BigInt,
        customer_id -> BigInt,
        period -> Text,
        run_id -> Nullable<BigInt>,
        amount_minor -> BigInt,
        currency -> Text,
        plan_key -> Text,
        plan_version -> Integer,
        sla_target_percent -> Text,
        uptime_percent -> Nullable<Text>,
        eligible_seconds -> Nullable<BigInt>,
        downtime_seconds -> Nullable<Text>,
        credit_percent -> Nullable<Text>,
        reason -> Nullable<Text>,
        supersedes -> Nullable<BigInt>,
        adjusts -> Nullable<BigInt>,
        billing_reference -> Nullable<Text>,
        created_at -> BigInt,
        created_by -> Text,
        approved_at -> Nullable<BigInt>,
        approved_by -> Nullable<Text>,
        applied_at -> Nullable<BigInt>,
        applied_by -> Nullable<Text>,
        voided_at -> Nullable<BigInt>,
        voided_by -> Nullable<Text>,
        void_reason -> Nullable<Text>,
    }
}

diesel::table! {
    evaluation_revision (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::joinable!(credits -> customers (customer_id));
diesel::joinable!(impact_windows -> incidents (incident_id));
diesel::joinable!(window_regions -> impact_windows (window_id));
diesel::joinable!(window_customers -> impact_windows (window_id));
diesel::joinable!(window_customers -> customers (customer_id));
diesel::joinable!(plan_versions -> plans (plan_key));
diesel::joinable!(plan_version_components -> plan_versions (plan_version_id));
diesel::joinable!(subscriptions -> customers (customer_id));

diesel::allow_tables_to_appear_in_same_query!(
    sign_in_links,
    ingest_rules,
    ingest_notifications,
    components,
    plans,
    plan_versions,
    plan_version_components,
    customers,
    subscriptions,
    audit_log,
    idempotency_keys,
    incidents,
    impact_windows,
    window_regions,
    window_customers,
    credit_runs,
    credits,
);
