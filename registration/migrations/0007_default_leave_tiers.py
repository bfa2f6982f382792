"""The handbook's leave approval tiers (Academic Rules 13) as the starting data; staff change them in the admin."""

from django.db import migrations

TIERS = [
    (1, "Up to 1 week", 7, None, ["adviser"]),
    (2, "1 week to 1 month", None, 1, ["school", "international_college"]),
    (3, "Over 1 month", None, None, ["academic_affairs"]),
]


def add_tiers(apps, schema_editor):
    LeaveTier = apps.get_model("registration", "LeaveTier")
    for position, name, max_days, max_months, route in TIERS:
        LeaveTier.objects.get_or_create(
            position=position, defaults={"name": name, "max_days": max_days, "max_months": max_months, "route": route}
        )


class Migration(migrations.Migration):
    dependencies = [("registration", "0006_student_status")]

    operations = [migrations.RunPython(add_tiers, migrations.RunPython.noop)]
