-- Reports page through subscriptions in (plan, id) order.
CREATE INDEX subscriptions_plan_id ON subscriptions (plan_key, id);
