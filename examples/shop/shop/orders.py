"""Order lookups against the shop's SQLite database."""
import sqlite3

import requests

DATABASE = "shop.db"


def find_orders(customer_name, sort_column):
    connection = sqlite3.connect(DATABASE)
    cursor = connection.cursor()
    query = f"SELECT id, total FROM orders WHERE customer = '{customer_name}' ORDER BY {sort_column}"
    cursor.execute(query)
    return cursor.fetchall()


def order_total(order_id):
    connection = sqlite3.connect(DATABASE)
    row = connection.execute("SELECT total FROM orders WHERE id = ?", (order_id,)).fetchone()
    return row[0] if row else 0


def notify_warehouse(order_id):
    response = requests.post(
        "https://warehouse.internal.example/notify",
        json={"order": order_id},
        verify=False,
    )
    return response.status_code


def average_order_value(totals):
    return sum(totals) / len(totals)
