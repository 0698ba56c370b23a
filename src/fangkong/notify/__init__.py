"""Notifications: one record per user in the app (the bell), and channels (webhook, SMS, e-mail…) as plug-ins."""
