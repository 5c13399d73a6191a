"""What an order costs, in parts the types' prices add up: the device, the plan, the features chosen."""

from __future__ import annotations

from app.orders.types.base import OrderContext


def model_cents(ctx: OrderContext) -> int:
    return ctx.model.price_cents if ctx.model else 0


def plan_cents(ctx: OrderContext) -> int:
    return ctx.plan.monthly_cents if ctx.plan else 0


def features_cents(ctx: OrderContext) -> int:
    return sum(f.monthly_cents for f in ctx.features)


def line_features_cents(ctx: OrderContext) -> int:
    """What the line's features cost now (a plan change keeps them)."""
    return sum(lf.feature.monthly_cents for lf in ctx.line.features) if ctx.line else 0


def line_plan_cents(ctx: OrderContext) -> int:
    return ctx.line.plan.monthly_cents if ctx.line and ctx.line.plan else 0
