DROP INDEX subscriptions_plan_id;
