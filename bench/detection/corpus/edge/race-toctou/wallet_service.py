"""Wallet balance and sign-up services (Django ORM, Redis)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from redis import Redis

from .models import Account, Coupon, User

redis = Redis(host="localhost", port=6379, socket_timeout=2)


class InsufficientFunds(Exception):
    pass


def withdraw(account_id: int, amount_cents: int) -> None:
    account = Account.objects.get(pk=account_id)
    # expect: race-toctou -- two concurrent withdrawals both pass the check
    if account.balance_cents >= amount_cents:
        account.balance_cents -= amount_cents
        account.save(update_fields=["balance_cents"])
    else:
        raise InsufficientFunds(account_id)


def withdraw_locked(account_id: int, amount_cents: int) -> None:
    with transaction.atomic():
        # ok: race-toctou -- row locked with SELECT ... FOR UPDATE for the whole check-and-update
        account = Account.objects.select_for_update().get(pk=account_id)
        if account.balance_cents < amount_cents:
            raise InsufficientFunds(account_id)
        account.balance_cents -= amount_cents
        account.save(update_fields=["balance_cents"])


def withdraw_atomic(account_id: int, amount_cents: int) -> None:
    # ok: race-toctou -- the condition and the update are one SQL statement
    updated = Account.objects.filter(pk=account_id, balance_cents__gte=amount_cents).update(
        balance_cents=F("balance_cents") - amount_cents
    )
    if not updated:
        raise InsufficientFunds(account_id)


def register(email: str, name: str) -> User:
    # expect: race-toctou
    if User.objects.filter(email=email).exists():
        raise ValueError("e-mail already registered")
    return User.objects.create(email=email, name=name)


def register_safe(email: str, name: str) -> User:
    try:
        # ok: race-toctou -- relies on the unique constraint on email
        return User.objects.create(email=email, name=name)
    except IntegrityError as exc:
        raise ValueError("e-mail already registered") from exc


def redeem(code: str, user_id: int) -> None:
    coupon = Coupon.objects.get(code=code)
    # expect: race-toctou
    if not coupon.redeemed:
        coupon.redeemed = True
        coupon.redeemed_by_id = user_id
        coupon.save()


def claim_job(job_id: str, worker: str) -> bool:
    """Make sure only one worker processes a job."""
    key = f"job-owner:{job_id}"
    # expect: race-toctou
    if redis.get(key) is None:
        redis.set(key, worker, ex=3600)
        return True
    return False


def claim_job_safe(job_id: str, worker: str) -> bool:
    # ok: race-toctou -- SET NX is atomic
    return bool(redis.set(f"job-owner:{job_id}", worker, nx=True, ex=3600))
