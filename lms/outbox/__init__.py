"""The outbox: work a commit promises (a certificate, an email, an invitation), recorded in
that commit and handed to the Celery worker after it, and again by beat until done."""
