"""Wallet transfers API (Django REST framework).

Users hold EUR balances and send money to each other.  Production runs under gunicorn with
``PYTHONOPTIMIZE=1`` (set in the base image to save memory on docstrings).
"""

from __future__ import annotations

import logging
from decimal import Decimal

import redis
from django.db import transaction
from django.db.models import F
from pydantic import BaseModel, Field, field_validator
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Transfer, Wallet

log = logging.getLogger(__name__)
cache = redis.Redis.from_url("redis://cache:6379/2", socket_timeout=2)

SUPPORTED = {"EUR", "USD", "GBP"}
MAX_TRANSFER = Decimal("10000.00")


class TransferIn(BaseModel):
    to_wallet: int
    # ok: assert-for-validation, float-money -- constraints live in the schema
    amount: Decimal = Field(gt=0, le=MAX_TRANSFER, decimal_places=2)
    currency: str = "EUR"
    note: str = ""

    @field_validator("currency")
    @classmethod
    def known_currency(cls, v: str) -> str:
        # expect: assert-for-validation -- pydantic turns AssertionError into a 422, until -O
        assert v in SUPPORTED, f"unsupported currency {v}"
        return v


class TopUpSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("1.00"))


class TransferView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        body = TransferIn.model_validate(request.data)
        source = Wallet.objects.get(owner=request.user, currency=body.currency)
        key = request.headers.get("Idempotency-Key", "")
        # expect: assert-for-validation
        assert key, "Idempotency-Key header is required"
        # expect: race-toctou @idem -- two retries with the same key both pass this check
        if Transfer.objects.filter(idempotency_key=key).exists():
            return Response({"detail": "duplicate"}, status=status.HTTP_409_CONFLICT)
        # expect: race-toctou -- balance read, then written back: concurrent transfers overdraw
        if source.balance >= body.amount:
            source.balance -= body.amount
            source.save(update_fields=["balance"])
        else:
            raise ValidationError("insufficient funds")
        Wallet.objects.filter(pk=body.to_wallet).update(balance=F("balance") + body.amount)
        # expect: race-toctou @idem
        transfer = Transfer.objects.create(
            source=source, target_id=body.to_wallet, amount=body.amount, idempotency_key=key, note=body.note
        )
        return Response({"id": transfer.id}, status=status.HTTP_201_CREATED)


class TransferV2View(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        body = TransferIn.model_validate(request.data)
        key = request.headers.get("Idempotency-Key", "")
        # ok: assert-for-validation -- a real check
        if not key:
            raise ValidationError("Idempotency-Key header is required")
        with transaction.atomic():
            # ok: race-toctou -- conditional UPDATE: check and debit in one statement
            debited = Wallet.objects.filter(
                owner=request.user, currency=body.currency, balance__gte=body.amount
            ).update(balance=F("balance") - body.amount)
            if not debited:
                raise ValidationError("insufficient funds")
            Wallet.objects.filter(pk=body.to_wallet).update(balance=F("balance") + body.amount)
            # ok: race-toctou -- unique idempotency_key column rejects the second insert
            transfer = Transfer.objects.create(
                source=Wallet.objects.get(owner=request.user, currency=body.currency),
                target_id=body.to_wallet,
                amount=body.amount,
                idempotency_key=key,
            )
        return Response({"id": transfer.id}, status=status.HTTP_201_CREATED)


class TopUpView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request, wallet_id: int):
        ser = TopUpSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        with transaction.atomic():
            # ok: race-toctou -- row lock held until commit
            wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
            # ok: assert-for-validation -- a real authorization check
            if wallet.owner_id != request.user.id:
                raise PermissionDenied()
            wallet.balance += ser.validated_data["amount"]
            wallet.save(update_fields=["balance"])
            # ok: assert-for-validation -- invariant the DB check constraint already enforces
            assert wallet.balance >= 0
        return Response({"balance": str(wallet.balance)})


class WithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request, wallet_id: int):
        wallet = Wallet.objects.get(pk=wallet_id)
        # expect: assert-for-validation -- ownership enforced only by assert
        assert wallet.owner_id == request.user.id
        # expect: float-money @wdf
        amount = float(request.data["amount"])
        # expect: assert-for-validation
        # expect: race-toctou @wd -- balance checked on a stale read, then debited unconditionally
        # expect: float-money @wdf -- the Decimal balance is compared as a float
        assert 0 < amount <= float(wallet.balance), "invalid amount"
        # expect: race-toctou @wd
        Wallet.objects.filter(pk=wallet.pk).update(balance=F("balance") - Decimal(str(amount)))
        return Response({"withdrawn": amount})


class PayoutLockView(APIView):
    """Ops endpoint: pause payouts for a wallet while a dispute is investigated."""

    permission_classes = [IsAuthenticated]

    def post(self, request, wallet_id: int):
        lock_key = f"payout-lock:{wallet_id}"
        # expect: race-toctou -- exists() then set(): two operators both "acquire" the lock
        if not cache.exists(lock_key):
            cache.set(lock_key, request.user.username, ex=3600)
            return Response({"locked": True})
        return Response({"locked": False, "holder": cache.get(lock_key)})

    def put(self, request, wallet_id: int):
        # ok: race-toctou -- SET NX is atomic
        acquired = cache.set(f"payout-lock:{wallet_id}", request.user.username, nx=True, ex=3600)
        return Response({"locked": bool(acquired)})


class NoteView(APIView):
    permission_classes = [IsAuthenticated]

    def patch(self, request, transfer_id: int):
        note = str(request.data.get("note", ""))
        # expect: assert-for-validation
        assert len(note) <= 140, "note too long"
        Transfer.objects.filter(pk=transfer_id, source__owner=request.user).update(note=note)
        return Response(status=status.HTTP_204_NO_CONTENT)
