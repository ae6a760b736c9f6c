"""The volunteers app's Wagtail admin views; ``volunteers.wagtail_hooks`` registers them.

Not named ``admin``: Django's admin autodiscovery would import it as ``admin.py``.
"""
