"""Money transfer endpoints for the wallet service (Flask)."""

from __future__ import annotations

from flask import Flask, abort, g, jsonify, request

from .auth import login_required
from .ledger import Ledger

app = Flask(__name__)
ledger = Ledger()
MAX_TRANSFER_CENTS = 1_000_000


@app.post("/transfers")
@login_required
def create_transfer():
    """Move money from the caller's wallet to another wallet."""
    data = request.get_json(force=True)
    # expect: assert-for-validation
    assert isinstance(data, dict), "body must be a JSON object"
    amount = int(data["amount_cents"])
    # expect: assert-for-validation
    assert 0 < amount <= MAX_TRANSFER_CENTS, "amount out of range"
    # expect: assert-for-validation
    assert data["to_wallet"] != g.user.wallet_id, "cannot transfer to yourself"
    transfer = ledger.transfer(g.user.wallet_id, data["to_wallet"], amount)
    return jsonify({"id": transfer.id}), 201


@app.post("/v2/transfers")
@login_required
def create_transfer_v2():
    data = request.get_json(force=True)
    if not isinstance(data, dict):
        abort(400, "body must be a JSON object")
    amount = int(data.get("amount_cents", 0))
    # ok: assert-for-validation -- a real check that survives python -O
    if not 0 < amount <= MAX_TRANSFER_CENTS:
        abort(400, "amount out of range")
    transfer = ledger.transfer(g.user.wallet_id, data["to_wallet"], amount)
    return jsonify({"id": transfer.id}), 201


@app.post("/admin/wallets/<wallet_id>/freeze")
@login_required
def freeze(wallet_id: str):
    # expect: assert-for-validation
    assert g.user.is_admin, "admins only"
    ledger.freeze(wallet_id)
    return "", 204


@app.post("/admin/wallets/<wallet_id>/unfreeze")
@login_required
def unfreeze(wallet_id: str):
    # ok: assert-for-validation -- permission enforced with abort()
    if not g.user.is_admin:
        abort(403)
    ledger.unfreeze(wallet_id)
    return "", 204


class TransferBatch:
    """Groups transfers so they can be posted to the ledger atomically."""

    def __init__(self) -> None:
        self._items: list[tuple[str, str, int]] = []
        self._closed = False

    def add(self, src: str, dst: str, amount: int) -> None:
        # expect: assert-for-validation
        assert amount > 0, "amounts must be positive"
        self._items.append((src, dst, amount))

    def _net(self) -> dict[str, int]:
        net: dict[str, int] = {}
        for src, dst, amount in self._items:
            net[src] = net.get(src, 0) - amount
            net[dst] = net.get(dst, 0) + amount
        # ok: assert-for-validation -- internal invariant of our own arithmetic, not input checking
        assert sum(net.values()) == 0
        return net
