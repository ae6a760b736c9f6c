"""``{% load masking %}``: templates mask through ``core.masking``, never by slicing."""

from django import template

from core import masking

register = template.Library()


@register.filter
def mask_phone(phone: str) -> str:
    """{{ phone|mask_phone }} → 138****5678."""
    return masking.mask_phone(phone)
