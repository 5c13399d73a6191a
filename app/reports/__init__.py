"""Reports' domain: filters, queries and CSV exports of orders, approvals and line costs."""
