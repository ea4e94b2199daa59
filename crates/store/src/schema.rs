//! The app database's tables, written by hand so that one schema serves all three backends.

diesel::table! {
    /// Tenants.
    organizations (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Members of organisations.
    users (id) {
        id -> Text,
        org_id -> Text,
        email -> Text,
        full_name -> Text,
        password_hash -> Text,
        role -> Text,
        is_active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Refresh tokens, stored as SHA-256 hashes, grouped in rotation families.
    refresh_tokens (id) {
        id -> Text,
        family_id -> Text,
        user_id -> Text,
        org_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> organizations (org_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(organizations, users, refresh_tokens);

diesel::table! {
    /// Users' databases registered as sources; the URL (with password) is sealed.
    data_sources (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        kind -> Text,
        host -> Nullable<Text>,
        port -> Nullable<Integer>,
        database_name -> Nullable<Text>,
        username -> Nullable<Text>,
        sealed_url -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Saved virtual tables: a read-only query over a source.
    datamarts (id) {
        id -> Text,
        org_id -> Text,
        source_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        sql_text -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(datamarts -> data_sources (source_id));
diesel::allow_tables_to_appear_in_same_query!(data_sources, datamarts, organizations);

diesel::table! {
    /// Uploaded files, stored as Parquet under the upload directory.
    datasets (id) {
        id -> Text,
        org_id -> Text,
        owner_id -> Nullable<Text>,
        name -> Text,
        description -> Nullable<Text>,
        is_public -> Bool,
        format -> Text,
        file_name -> Text,
        storage_path -> Text,
        size_bytes -> BigInt,
        row_count -> BigInt,
        column_count -> Integer,
        schema_json -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// EDA reports of datasets; their HTML and JSON live under the reports directory.
    reports (id) {
        id -> Text,
        org_id -> Text,
        dataset_id -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        title -> Text,
        description -> Nullable<Text>,
        is_public -> Bool,
        options_json -> Text,
        html_path -> Nullable<Text>,
        results_path -> Nullable<Text>,
        size_bytes -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Background work, claimed by workers through leases.
    jobs (id) {
        id -> Text,
        org_id -> Text,
        kind -> Text,
        subject_id -> Text,
        status -> Text,
        progress -> Integer,
        error -> Nullable<Text>,
        attempts -> Integer,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Secret links to reports (tokens stored as SHA-256 hashes).
    report_shares (id) {
        id -> Text,
        report_id -> Text,
        org_id -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(reports -> datasets (dataset_id));
diesel::joinable!(report_shares -> reports (report_id));
diesel::allow_tables_to_appear_in_same_query!(datasets, reports, jobs, report_shares);

diesel::table! {
    /// Changes that make cached answers stale, polled by every process.
    cache_events (id) {
        id -> BigInt,
        scope -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The system alerts feed: one open row per condition until it is resolved.
    alerts (id) {
        id -> BigInt,
        org_id -> Text,
        alert_type -> Text,
        message -> Text,
        severity -> Text,
        metadata -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        /// The alert's type while it is open, NULL once resolved (unique per organisation).
        open_key -> Nullable<Text>,
    }
}

diesel::table! {
    /// Suppliers of commerce products.
    commerce_suppliers (id) {
        id -> BigInt,
        org_id -> Text,
        name -> Text,
        reliability_score -> Double,
        country -> Text,
    }
}

diesel::table! {
    /// Products on sale, with their stock.
    commerce_products (id) {
        id -> BigInt,
        org_id -> Text,
        name -> Text,
        category -> Text,
        price_cents -> BigInt,
        stock_quantity -> BigInt,
        supplier_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Customers with their running totals, amount statistics, habits and risk.
    commerce_customers (id) {
        id -> BigInt,
        org_id -> Text,
        email -> Text,
        registration_date -> Timestamp,
        region -> Text,
        total_spent_cents -> BigInt,
        amount_count -> BigInt,
        amount_mean -> Double,
        amount_m2 -> Double,
        payment_methods -> BigInt,
        purchase_hours -> BigInt,
        risk_score -> Double,
        risk_updated_at -> Nullable<Timestamp>,
        revision -> BigInt,
    }
}

diesel::table! {
    /// Transactions, each with its stored fraud check.
    commerce_transactions (id) {
        id -> BigInt,
        org_id -> Text,
        customer_id -> BigInt,
        product_id -> BigInt,
        quantity -> BigInt,
        price_cents -> BigInt,
        amount_cents -> BigInt,
        payment_method -> Text,
        status -> Text,
        occurred_at -> Timestamp,
        occurred_hour -> BigInt,
        risk_score -> Nullable<Double>,
        fraud_check -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(commerce_transactions -> commerce_customers (customer_id));
diesel::joinable!(commerce_transactions -> commerce_products (product_id));
diesel::joinable!(commerce_products -> commerce_suppliers (supplier_id));

diesel::allow_tables_to_appear_in_same_query!(alerts, organizations);

diesel::table! {
    /// Alert rules: their definition (JSON) and what they remember between evaluations.
    alert_rules (id) {
        id -> BigInt,
        org_id -> Text,
        name -> Text,
        definition -> Text,
        enabled -> Bool,
        firing -> Bool,
        last_error -> Nullable<Text>,
        last_value -> Nullable<Double>,
        recent_values -> Text,
        last_evaluated_at -> Nullable<Timestamp>,
        last_notified_at -> Nullable<Timestamp>,
        next_run_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Evaluations of alert rules that changed their state or failed, with their deliveries.
    alert_events (id) {
        id -> BigInt,
        org_id -> Text,
        rule_id -> BigInt,
        scheduled_at -> Nullable<Timestamp>,
        evaluated_at -> Timestamp,
        value -> Nullable<Double>,
        reference_value -> Nullable<Double>,
        threshold -> Text,
        state_from -> Text,
        state_to -> Text,
        notice -> Nullable<Text>,
        suppressed -> Nullable<Text>,
        error -> Nullable<Text>,
        deliveries -> Text,
        deliveries_failed -> Integer,
    }
}

diesel::table! {
    /// Scheduled runs of alert rules, claimed once by inserting their key.
    alert_runs (rule_id, scheduled_at) {
        rule_id -> BigInt,
        scheduled_at -> Timestamp,
        org_id -> Text,
        claimed_by -> Text,
        claimed_at -> Timestamp,
        lease_until -> Timestamp,
        attempts -> Integer,
        event_id -> Nullable<BigInt>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(alert_rules, alert_events, alert_runs);
diesel::allow_tables_to_appear_in_same_query!(
    commerce_customers,
    commerce_products,
    commerce_suppliers,
    commerce_transactions
);
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    commerce_customers::region,
    commerce_transactions::product_id,
);

diesel::table! {
    /// Sales per organisation, hour (since the epoch) and shard, kept by the write path.
    commerce_sales_hourly (org_id, hour, shard) {
        org_id -> Text,
        hour -> BigInt,
        shard -> BigInt,
        transactions -> BigInt,
        amount_cents -> BigInt,
    }
}

diesel::table! {
    /// The last number handed out per organisation and kind of retail record.
    retail_numbers (org_id, kind) {
        org_id -> Text,
        kind -> Text,
        last_number -> BigInt,
    }
}

diesel::table! {
    /// Stores, the warehouse among them.
    retail_stores (id) {
        id -> BigInt,
        org_id -> Text,
        number -> BigInt,
        name -> Text,
        code -> Text,
        address -> Text,
        city -> Text,
        state -> Text,
        zip_code -> Text,
        region -> Text,
        store_type -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Products stocked by the case.
    retail_products (id) {
        id -> BigInt,
        org_id -> Text,
        number -> BigInt,
        name -> Text,
        brand -> Text,
        category -> Text,
        package_size -> Text,
        unit_price_cents -> BigInt,
        created_at -> Timestamp,
        inventory_rows -> BigInt,
    }
}

diesel::table! {
    /// Store and regional managers, optionally linked to a user account.
    retail_staff (id) {
        id -> BigInt,
        org_id -> Text,
        number -> BigInt,
        username -> Text,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        avatar_url -> Nullable<Text>,
        role -> Text,
        store_id -> Nullable<BigInt>,
        region -> Nullable<Text>,
        user_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Cases of each product at each store, and how many are reserved.
    retail_inventory (id) {
        id -> BigInt,
        org_id -> Text,
        number -> BigInt,
        store_id -> BigInt,
        product_id -> BigInt,
        quantity_cases -> BigInt,
        reserved_cases -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    /// Every change of an inventory row: the levels after it, the change and why.
    retail_inventory_history (id) {
        id -> BigInt,
        org_id -> Text,
        inventory_id -> BigInt,
        quantity_cases -> BigInt,
        reserved_cases -> BigInt,
        change_cases -> BigInt,
        reason -> Text,
        order_number -> Nullable<BigInt>,
        recorded_at -> Timestamp,
        recorded_day -> BigInt,
    }
}

diesel::table! {
    /// Stock-transfer orders between stores.
    retail_orders (org_id, number) {
        org_id -> Text,
        number -> BigInt,
        from_store_id -> BigInt,
        to_store_id -> BigInt,
        product_id -> BigInt,
        quantity_cases -> BigInt,
        status -> Text,
        requested_by -> Nullable<BigInt>,
        approver_id -> Nullable<BigInt>,
        order_date -> Timestamp,
        order_day -> BigInt,
        approved_date -> Nullable<Timestamp>,
        fulfilled_date -> Nullable<Timestamp>,
        fulfilment_seconds -> Nullable<BigInt>,
        notes -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    /// Orders per organisation, order day and destination store, counted by status, with their
    /// cases (kept with every order change).
    retail_order_days (org_id, order_day, to_store_id) {
        org_id -> Text,
        order_day -> BigInt,
        to_store_id -> BigInt,
        pending_review -> BigInt,
        approved -> BigInt,
        fulfilled -> BigInt,
        cancelled -> BigInt,
        cases -> BigInt,
    }
}

diesel::table! {
    /// Stock per organisation, store and product category: cases on hand and their value in
    /// cents (kept with every inventory change).
    retail_stock_totals (org_id, store_id, category) {
        org_id -> Text,
        store_id -> BigInt,
        category -> Text,
        cases -> BigInt,
        value_cents -> BigInt,
    }
}

diesel::joinable!(retail_inventory -> retail_stores (store_id));
diesel::joinable!(retail_inventory -> retail_products (product_id));
diesel::joinable!(retail_inventory_history -> retail_inventory (inventory_id));
diesel::joinable!(retail_orders -> retail_products (product_id));
diesel::joinable!(retail_staff -> retail_stores (store_id));
diesel::allow_tables_to_appear_in_same_query!(
    retail_numbers,
    retail_order_days,
    retail_stock_totals,
    retail_stores,
    retail_products,
    retail_staff,
    retail_inventory,
    retail_inventory_history,
    retail_orders
);
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    retail_stores::region,
    retail_orders::order_day,
    retail_orders::status,
    retail_products::number,
    retail_products::category,
    retail_inventory_history::recorded_day,
);

diesel::table! {
    /// Dashboard folders, nested through `parent_id`.
    dashboard_folders (id) {
        id -> BigInt,
        org_id -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Dashboards: charts and layout as JSON, versioned.
    dashboards (id) {
        id -> BigInt,
        org_id -> Text,
        folder_id -> Nullable<BigInt>,
        title -> Text,
        description -> Text,
        theme -> Nullable<Text>,
        layout -> Text,
        charts -> Text,
        version -> BigInt,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Themes, chart templates and layout templates of an organisation (by `kind`).
    dashboard_assets (id) {
        id -> BigInt,
        org_id -> Text,
        kind -> Text,
        name -> Text,
        description -> Text,
        definition -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(dashboard_folders, dashboards);

diesel::table! {
    /// Columnar extracts of sources' tables and datamarts, with what their serving copy holds.
    extracts (id) {
        id -> Text,
        org_id -> Text,
        source_id -> Text,
        name -> Text,
        target -> Text,
        definition -> Text,
        next_refresh_at -> Nullable<Timestamp>,
        version -> BigInt,
        refreshed_at -> Nullable<Timestamp>,
        row_count -> BigInt,
        byte_count -> BigInt,
        high_water -> Nullable<Text>,
        columns_json -> Text,
        refresh_owner -> Nullable<Text>,
        refresh_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// One row per refresh of an extract.
    extract_refreshes (id) {
        id -> Text,
        extract_id -> Text,
        org_id -> Text,
        job_id -> Nullable<Text>,
        mode -> Text,
        status -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        rows_read -> BigInt,
        row_count -> BigInt,
        byte_count -> BigInt,
        duration_ms -> BigInt,
        high_water -> Nullable<Text>,
        error -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(extracts, extract_refreshes);
