"""Marks the sign-in address of existing accounts confirmed, so that turning on mandatory
confirmation locks nobody out. Until then the project never stored an allauth
``EmailAddress``: an account without one kept the address the organisation gave it, and
its owner proved that mailbox by setting a password from the mailed link. Accounts that
have rows (their owner used the email page, where an address could be added without
proof), accounts without a password (nobody has signed in) and addresses some account has
already confirmed are left as they are: they are confirmed by allauth's link."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import migrations


def confirm_existing_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    confirmed = EmailAddress.objects.filter(verified=True).values("email")
    users = (
        User.objects.exclude(pk__in=EmailAddress.objects.values("user_id"))
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .exclude(email="")
        .exclude(email__in=confirmed)
        .only("pk", "email")
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=user.pk, email=user.email.lower(), verified=True, primary=True)
            for user in users.iterator()
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(confirm_existing_addresses, migrations.RunPython.noop),
    ]
