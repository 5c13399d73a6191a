"""The main navigation: its links, and which of them each demo role sees."""

from __future__ import annotations

NAV = [
    "New order",
    "My orders",
    "Approvals",
    "Inventory",
    "My lines and devices",
    "Fulfillment",
    "Dashboard",
    "Reports",
    "Admin",
]
EXPECTED_NAV = {
    "employee": {"New order", "My orders", "My lines and devices"},
    "manager": {"New order", "My orders", "Approvals", "My lines and devices"},
    "telecom": {"New order", "My orders", "Approvals", "My lines and devices", "Fulfillment", "Dashboard", "Reports"},
    "helpdesk": {"New order", "My orders", "Inventory"},
    "admin": {"New order", "My orders", "Approvals", "Inventory", "Fulfillment", "Dashboard", "Reports", "Admin"},
}


def nav_links(html: str) -> set[str]:
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    return {label for label in NAV if f">{label}</a>" in nav}
