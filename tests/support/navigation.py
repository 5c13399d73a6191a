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


GROUPED = {"Fulfillment", "Dashboard", "Reports"}  # under "Telecom", a dropdown in the navigation


def go_to(page, label: str) -> None:
    """Follow a link of the main navigation as a person would: opening the Menu (a phone) and its Telecom group
    first where the link sits inside them."""
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    group = nav.locator("details.nav-group")
    if group.count() and (group.get_attribute("open") is None) == (label in GROUPED):
        nav.get_by_text("Telecom", exact=True).click()  # opens it for its links, closes it for the others
    nav.get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("load")
