"""Seed data for the emulators: a small, consistent world used by the demo and the tests.

Phone numbers are in the 555-01XX fictional range and typed the way people type them in a CRM.
The emulators deep-copy these structures, so tests may mutate their emulator freely.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Any

# --- Salesforce (18-character ids with the right key prefixes and checksums) -----------------

SF_USER_DANA = "0055e000004TlQaAAK"
SF_USER_MARCUS = "0055e000004TlQbAAK"
SF_ACCOUNT_ACME = "0015e00000KxAcmAAF"
SF_ACCOUNT_GLOBEX = "0015e00000KxGlbAAF"
SF_CONTACT_PRIYA = "0035e00000Pr1yaAAB"  # mobile and office phone: the mobile wins
SF_CONTACT_TOM = "0035e00000T0mBkAAJ"  # office phone only; primary on Globex renewal (the demo opts him out)
SF_CONTACT_LENA = "0035e00000LeNa0AAF"  # mobile only
SF_CONTACT_SAM = "0035e00000SaMnoAAF"  # no phone at all
SF_CONTACT_OMAR = "0035e00000OmHddAAF"  # shares Acme's office line with Priya (two contacts, one number)
SF_CONTACT_HANNAH = "0035e00000HnWeiAAF"  # flagged DoNotCall in Salesforce: never texted
SF_OPPORTUNITY_ACME = "0065e00000AcMe2AAF"
SF_OPPORTUNITY_GLOBEX = "0065e00000GlBrnAAF"
SF_OCR_ACME_PRIYA = "00K5e00000Ocr01EAB"
SF_OCR_ACME_LENA = "00K5e00000Ocr02EAB"
SF_OCR_GLOBEX_TOM = "00K5e00000Ocr03EAB"
SF_CASE_EXPORT = "5005e00000CsExpAAF"
SF_CASE_NO_PHONE = "5005e00000CsNoPAAV"
SF_CASE_BADGE = "5005e00000CsBdgAAF"  # Hannah's case

# Renewals (Type "Renewal", CloseDate relative to today: the renewal scanner's windows are 60 and 30 days).
SF_OPPORTUNITY_ACME_RENEWAL = "0065e00000AcRnwAAF"  # in 25 days; Lena is its Decision Maker, Priya primary
SF_OPPORTUNITY_GLOBEX_RENEWAL = "0065e00000GlRnwAAF"  # in 50 days; Hannah (DoNotCall) is its primary contact
SF_OPPORTUNITY_ACME_LATER = "0065e00000AcLtrAAF"  # in 200 days: outside every window
SF_OCR_ACME_RENEWAL_LENA = "00K5e00000Ocr04EAB"
SF_OCR_ACME_RENEWAL_PRIYA = "00K5e00000Ocr05EAB"
SF_OCR_GLOBEX_RENEWAL_HANNAH = "00K5e00000Ocr06EAB"

# Contract renewals (Status Activated; EndDate is calculated from StartDate and ContractTerm; the contract
# renewal rule's windows are 60 and 30 days). Seats used of seats bought sit on the account.
SF_ACCOUNT_SOYLENT = "0015e00000KxSoyAAF"
SF_CONTACT_GRACE = (
    "0035e00000GrKimAAF"  # the contract's Decision Maker (contact role); opted in in Salesforce
)
SF_CONTACT_IVAN = (
    "0035e00000IvRysAAF"  # signed the contract (CustomerSignedId); the account's primary contact
)
SF_CONTRACT_SOYLENT = "8005e00000CtSoyAAF"  # ends in 40 days (60-day window)
SF_CONTRACT_SOYLENT_LATER = "8005e00000CtSoLAAV"  # ends in 400 days: outside every window
SF_CCR_SOYLENT_GRACE = "02a5e00000Ccr01AAB"
SF_ACR_SOYLENT_IVAN = "02Z5e00000Acr01EAB"


def days_ahead(days: int) -> str:
    """A date *days* from today (UTC), as Salesforce and HubSpot date fields hold it."""
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def contract_end(start: date, months: int) -> date:
    """A Salesforce Contract's EndDate: its StartDate plus ContractTerm months, less a day."""
    return _add_months(start, months) - timedelta(days=1)


def contract_dates(days: int, months: int) -> dict[str, Any]:
    """StartDate and ContractTerm of a contract ending *days* from today (UTC), with the EndDate they make."""
    start = _add_months(datetime.now(UTC).date() + timedelta(days=days + 1), -months)
    return {
        "StartDate": start.isoformat(),
        "ContractTerm": months,
        "EndDate": contract_end(start, months).isoformat(),
    }


SF_ORG_ID = "00D5e000000TxLpEAG"
_SF_CREATED = "2025-01-13T16:20:00.000+0000"

SALESFORCE: dict[str, list[dict[str, Any]]] = {
    "User": [
        {
            "Id": SF_USER_DANA,
            "Username": "dana.whitfield@textloop-demo.example.com",
            "FirstName": "Dana",
            "LastName": "Whitfield",
            "Email": "dana.whitfield@example.com",
            "MobilePhone": "+1 415 555 0101",
            "Alias": "dwhit",
            "IsActive": True,
            "TimeZoneSidKey": "America/Los_Angeles",
        },
        {
            "Id": SF_USER_MARCUS,
            "Username": "marcus.okafor@textloop-demo.example.com",
            "FirstName": "Marcus",
            "LastName": "Okafor",
            "Email": "marcus.okafor@example.com",
            "Phone": "(206) 555-0110",
            "Alias": "mokaf",
            "IsActive": True,
            "TimeZoneSidKey": "America/New_York",
        },
    ],
    "Account": [
        {
            "Id": SF_ACCOUNT_ACME,
            "Name": "Acme Corporation",
            "Type": "Customer - Direct",
            "Industry": "Manufacturing",
            "BillingCity": "San Francisco",
            "BillingState": "CA",
            "OwnerId": SF_USER_DANA,
        },
        {
            "Id": SF_ACCOUNT_GLOBEX,
            "Name": "Globex Corporation",
            "Type": "Customer - Channel",
            "Industry": "Energy",
            "BillingCity": "Boston",
            "BillingState": "MA",
            "OwnerId": SF_USER_MARCUS,
        },
        {
            "Id": SF_ACCOUNT_SOYLENT,
            "Name": "Soylent Corp",
            "Type": "Customer - Direct",
            "Industry": "Food & Beverage",
            "BillingCity": "Denver",
            "BillingState": "CO",
            "OwnerId": SF_USER_MARCUS,
            "Seats_Used__c": 57,
            "Seats_Purchased__c": 60,
        },
    ],
    "Contact": [
        {
            "Id": SF_CONTACT_PRIYA,
            "AccountId": SF_ACCOUNT_ACME,
            "FirstName": "Priya",
            "LastName": "Raman",
            "Title": "VP Operations",
            "Email": "priya.raman@acme.example.com",
            "MobilePhone": "(415) 555-0132",
            "Phone": "+1 415 555 0199",
            "OwnerId": SF_USER_DANA,
        },
        {
            "Id": SF_CONTACT_TOM,
            "AccountId": SF_ACCOUNT_GLOBEX,
            "FirstName": "Tom",
            "LastName": "Becker",
            "Title": "Procurement Lead",
            "Email": "tom.becker@globex.example.com",
            "Phone": "+1 617-555-0142",
            "OwnerId": SF_USER_MARCUS,
        },
        {
            "Id": SF_CONTACT_LENA,
            "AccountId": SF_ACCOUNT_ACME,
            "FirstName": "Lena",
            "LastName": "Ortiz",
            "Title": "IT Manager",
            "Email": "lena.ortiz@acme.example.com",
            "MobilePhone": "202.555.0123",
            "OwnerId": SF_USER_DANA,
        },
        {
            "Id": SF_CONTACT_SAM,
            "AccountId": SF_ACCOUNT_GLOBEX,
            "FirstName": "Sam",
            "LastName": "Noel",
            "Title": "Accounts Payable",
            "Email": "sam.noel@globex.example.com",
            "OwnerId": SF_USER_MARCUS,
        },
        {
            "Id": SF_CONTACT_OMAR,
            "AccountId": SF_ACCOUNT_ACME,
            "FirstName": "Omar",
            "LastName": "Haddad",
            "Title": "Office Manager",
            "Email": "omar.haddad@acme.example.com",
            "Phone": "(415) 555-0199",
            "OwnerId": SF_USER_DANA,
        },
        {
            "Id": SF_CONTACT_HANNAH,
            "AccountId": SF_ACCOUNT_GLOBEX,
            "FirstName": "Hannah",
            "LastName": "Weiss",
            "Title": "Facilities Lead",
            "Email": "hannah.weiss@globex.example.com",
            "MobilePhone": "(857) 555-0126",
            "MailingState": "MA",
            "DoNotCall": True,
            "OwnerId": SF_USER_MARCUS,
        },
        {
            "Id": SF_CONTACT_GRACE,
            "AccountId": SF_ACCOUNT_SOYLENT,
            "FirstName": "Grace",
            "LastName": "Kim",
            "Title": "VP Finance",
            "Email": "grace.kim@soylent.example.com",
            "MobilePhone": "(720) 555-0175",
            "SMS_Consent__c": "opted_in",  # signed up for renewal reminders (recorded in Salesforce)
            "OwnerId": SF_USER_MARCUS,
        },
        {
            "Id": SF_CONTACT_IVAN,
            "AccountId": SF_ACCOUNT_SOYLENT,
            "FirstName": "Ivan",
            "LastName": "Reyes",
            "Title": "Procurement",
            "Email": "ivan.reyes@soylent.example.com",
            "OwnerId": SF_USER_MARCUS,
        },
    ],
    "Opportunity": [
        {
            "Id": SF_OPPORTUNITY_ACME,
            "AccountId": SF_ACCOUNT_ACME,
            "Name": "Acme Corp — 200 seats",
            "StageName": "Proposal/Price Quote",
            "Amount": 48000.0,
            "Probability": 75.0,
            "CloseDate": "2025-03-31",
            "Type": "New Business",
            "LeadSource": "Web",
            "OwnerId": SF_USER_DANA,
            "Contract_Signing_URL__c": "https://sign.example.com/envelopes/acme-200-seats",
        },
        {
            "Id": SF_OPPORTUNITY_GLOBEX,
            "AccountId": SF_ACCOUNT_GLOBEX,
            "Name": "Globex renewal",
            "StageName": "Proposal/Price Quote",
            "Amount": 120000.0,
            "Probability": 75.0,
            "CloseDate": "2025-02-28",
            "Type": "Existing Customer - Upgrade",
            "LeadSource": "Partner Referral",
            "OwnerId": SF_USER_MARCUS,
            "Contract_Signing_URL__c": "https://sign.example.com/envelopes/globex-renewal",
        },
        {
            "Id": SF_OPPORTUNITY_ACME_RENEWAL,
            "AccountId": SF_ACCOUNT_ACME,
            "Name": "Acme annual renewal",
            "StageName": "Prospecting",
            "Amount": 48000.0,
            "Probability": 10.0,
            "CloseDate": days_ahead(25),
            "Type": "Renewal",
            "OwnerId": SF_USER_DANA,
            "Seats_Used__c": 182,
            "Seats_Purchased__c": 200,
            "Tier__c": "Enterprise",  # the renewal rule's enterprise variant
        },
        {
            "Id": SF_OPPORTUNITY_GLOBEX_RENEWAL,
            "AccountId": SF_ACCOUNT_GLOBEX,
            "Name": "Globex annual renewal",
            "StageName": "Prospecting",
            "Amount": 90000.0,
            "Probability": 10.0,
            "CloseDate": days_ahead(50),
            "Type": "Renewal",
            "OwnerId": SF_USER_MARCUS,
            "Seats_Used__c": 40,
            "Seats_Purchased__c": 75,
            "Tier__c": "Business",
        },
        {
            "Id": SF_OPPORTUNITY_ACME_LATER,
            "AccountId": SF_ACCOUNT_ACME,
            "Name": "Acme EMEA renewal",
            "StageName": "Prospecting",
            "Amount": 12000.0,
            "Probability": 10.0,
            "CloseDate": days_ahead(200),
            "Type": "Renewal",
            "OwnerId": SF_USER_DANA,
        },
    ],
    "OpportunityContactRole": [
        {
            "Id": SF_OCR_ACME_LENA,
            "OpportunityId": SF_OPPORTUNITY_ACME,
            "ContactId": SF_CONTACT_LENA,
            "Role": "Technical Buyer",
            "IsPrimary": False,
        },
        {
            "Id": SF_OCR_ACME_PRIYA,
            "OpportunityId": SF_OPPORTUNITY_ACME,
            "ContactId": SF_CONTACT_PRIYA,
            "Role": "Decision Maker",
            "IsPrimary": True,
        },
        {
            "Id": SF_OCR_GLOBEX_TOM,
            "OpportunityId": SF_OPPORTUNITY_GLOBEX,
            "ContactId": SF_CONTACT_TOM,
            "Role": "Economic Buyer",
            "IsPrimary": True,
        },
        {
            "Id": SF_OCR_ACME_RENEWAL_PRIYA,
            "OpportunityId": SF_OPPORTUNITY_ACME_RENEWAL,
            "ContactId": SF_CONTACT_PRIYA,
            "Role": "Business User",
            "IsPrimary": True,
        },
        {
            "Id": SF_OCR_ACME_RENEWAL_LENA,
            "OpportunityId": SF_OPPORTUNITY_ACME_RENEWAL,
            "ContactId": SF_CONTACT_LENA,
            "Role": "Decision Maker",
            "IsPrimary": False,
        },
        {
            "Id": SF_OCR_GLOBEX_RENEWAL_HANNAH,
            "OpportunityId": SF_OPPORTUNITY_GLOBEX_RENEWAL,
            "ContactId": SF_CONTACT_HANNAH,
            "Role": "Economic Buyer",
            "IsPrimary": True,
        },
    ],
    "Contract": [
        {
            "Id": SF_CONTRACT_SOYLENT,
            "AccountId": SF_ACCOUNT_SOYLENT,
            "Name": "Soylent platform subscription",
            "ContractNumber": "00000100",
            "Status": "Activated",
            **contract_dates(40, 12),
            "CustomerSignedId": SF_CONTACT_IVAN,
            "CustomerSignedTitle": "Procurement",
            "OwnerId": SF_USER_MARCUS,
        },
        {
            "Id": SF_CONTRACT_SOYLENT_LATER,
            "AccountId": SF_ACCOUNT_SOYLENT,
            "Name": "Soylent analytics add-on",
            "ContractNumber": "00000101",
            "Status": "Activated",
            **contract_dates(400, 24),
            "CustomerSignedId": SF_CONTACT_IVAN,
            "OwnerId": SF_USER_MARCUS,
        },
    ],
    "ContractContactRole": [
        {
            "Id": SF_CCR_SOYLENT_GRACE,
            "ContractId": SF_CONTRACT_SOYLENT,
            "ContactId": SF_CONTACT_GRACE,
            "Role": "Decision Maker",
            "IsPrimary": False,
        },
    ],
    "AccountContactRole": [
        {
            "Id": SF_ACR_SOYLENT_IVAN,
            "AccountId": SF_ACCOUNT_SOYLENT,
            "ContactId": SF_CONTACT_IVAN,
            "Role": "Business User",
            "IsPrimary": True,
        },
    ],
    "Case": [
        {
            "Id": SF_CASE_EXPORT,
            "CaseNumber": "00001026",
            "AccountId": SF_ACCOUNT_ACME,
            "ContactId": SF_CONTACT_LENA,
            "Subject": "Cannot export reports",
            "Description": "Export to CSV spins forever on the Q4 pipeline report.",
            "Status": "Working",
            "Priority": "Medium",
            "Origin": "Phone",
            "OwnerId": SF_USER_MARCUS,
            "Help_Article_URL__c": "https://help.example.com/articles/export-reports",
        },
        {
            "Id": SF_CASE_NO_PHONE,
            "CaseNumber": "00001027",
            "AccountId": SF_ACCOUNT_GLOBEX,
            "ContactId": SF_CONTACT_SAM,
            "Subject": "Invoice address change",
            "Description": "Please send invoices to the new Boston office.",
            "Status": "New",
            "Priority": "Low",
            "Origin": "Email",
            "OwnerId": SF_USER_DANA,
        },
        {
            "Id": SF_CASE_BADGE,
            "CaseNumber": "00001028",
            "AccountId": SF_ACCOUNT_GLOBEX,
            "ContactId": SF_CONTACT_HANNAH,
            "Subject": "Badge printer offline",
            "Description": "The lobby badge printer shows 'offline' since the firmware update.",
            "Status": "New",
            "Priority": "Low",
            "Origin": "Phone",
            "OwnerId": SF_USER_MARCUS,
        },
    ],
    "Task": [],
}

for _records in SALESFORCE.values():
    for _record in _records:
        _record.setdefault("CreatedDate", _SF_CREATED)

# --- HubSpot ---------------------------------------------------------------------------------

HS_PORTAL_ID = "24681357"
HS_OWNER_AVERY = "71234501"
HS_OWNER_JORDAN = "71234502"
HS_CONTACT_MARIA = "75101"  # mobilephone and phone: the mobile wins
HS_CONTACT_KEN = "75102"  # phone only
HS_CONTACT_RUTH = "75103"  # mobilephone only
HS_CONTACT_DIEGO = "75104"  # shares Initech's office line with Maria (two contacts, one number)
HS_CONTACT_NADIA = "75105"  # opted in to marketing texts (the demo gives her a zone where it is night)
HS_CONTACT_FELIX = "75106"  # opted in; a Miami (305) number: Florida's marketing rules apply
HS_DEAL_INITECH = "20841130001"
HS_DEAL_UMBRELLA = "20841130002"  # Ken's: no recorded SMS consent
HS_DEAL_HOOLI = "20841130003"  # Nadia's
HS_DEAL_VANDELAY = "20841130004"  # Felix's
HS_DEAL_INITECH_RENEWAL = "20841130005"  # closed won, renews in 28 days; Ruth is its "Decision maker"
HS_DEAL_UMBRELLA_RENEWAL = "20841130006"  # closed won, renews in 120 days: outside every window
HS_TICKET_SSO = "3177001"
HS_TICKET_NO_CONTACT = "3177002"

_HS_CREATED = "2025-01-13T16:20:00.000Z"

HUBSPOT_OWNERS: list[dict[str, Any]] = [
    {
        "id": HS_OWNER_AVERY,
        "email": "avery.chen@example.com",
        "firstName": "Avery",
        "lastName": "Chen",
        "userId": 9100001,
        "userIdIncludingInactive": 9100001,
        "type": "PERSON",
        "teams": [{"id": "178588", "name": "West Coast Sales", "primary": True}],
    },
    {
        "id": HS_OWNER_JORDAN,
        "email": "jordan.blake@example.com",
        "firstName": "Jordan",
        "lastName": "Blake",
        "userId": 9100002,
        "userIdIncludingInactive": 9100002,
        "type": "PERSON",
        "teams": [{"id": "178590", "name": "Customer Success", "primary": True}],
    },
]

# Objects by type; "associations" name the associated ids by object type (both directions are derived).
HUBSPOT: dict[str, list[dict[str, Any]]] = {
    "contacts": [
        {
            "id": HS_CONTACT_MARIA,
            "properties": {
                "firstname": "Maria",
                "lastname": "Gomez",
                "email": "maria.gomez@initech.example.com",
                "mobilephone": "(512) 555-0147",
                "phone": "512-555-0190",
                "company": "Initech",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
        },
        {
            "id": HS_CONTACT_KEN,
            "properties": {
                "firstname": "Ken",
                "lastname": "Ito",
                "email": "ken.ito@umbrella.example.com",
                "phone": "+1 312 555 0163",
                "company": "Umbrella Corp",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
        },
        {
            "id": HS_CONTACT_RUTH,
            "properties": {
                "firstname": "Ruth",
                "lastname": "Adler",
                "email": "ruth.adler@initech.example.com",
                "mobilephone": "+1 (646) 555-0178",
                "company": "Initech",
                "hubspot_owner_id": HS_OWNER_JORDAN,
            },
        },
        {
            "id": HS_CONTACT_DIEGO,
            "properties": {
                "firstname": "Diego",
                "lastname": "Alvarez",
                "email": "diego.alvarez@initech.example.com",
                "phone": "+1 512.555.0190",
                "company": "Initech",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
        },
        {
            "id": HS_CONTACT_NADIA,
            "properties": {
                "firstname": "Nadia",
                "lastname": "Petrova",
                "email": "nadia.petrova@hooli.example.com",
                "mobilephone": "(312) 555-0156",
                "company": "Hooli",
                "textloop_sms_consent": "opted_in",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
        },
        {
            "id": HS_CONTACT_FELIX,
            "properties": {
                "firstname": "Felix",
                "lastname": "Moreno",
                "email": "felix.moreno@vandelay.example.com",
                "mobilephone": "(305) 555-0161",
                "company": "Vandelay Industries",
                "state": "FL",
                "textloop_sms_consent": "opted_in",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
        },
    ],
    "deals": [
        {
            "id": HS_DEAL_INITECH,
            "properties": {
                "dealname": "Initech — 50 seats expansion",
                "dealstage": "presentationscheduled",
                "pipeline": "default",
                "amount": "15000",
                "closedate": "2025-03-31T00:00:00Z",
                "esign_link": "https://sign.example.com/envelopes/initech-50",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
            "associations": {"contacts": [HS_CONTACT_MARIA, HS_CONTACT_RUTH]},
        },
        {
            "id": HS_DEAL_UMBRELLA,
            "properties": {
                "dealname": "Umbrella annual renewal",
                "dealstage": "presentationscheduled",
                "pipeline": "default",
                "amount": "64000",
                "closedate": "2025-02-28T00:00:00Z",
                "esign_link": "https://sign.example.com/envelopes/umbrella-renewal",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
            "associations": {"contacts": [HS_CONTACT_KEN]},
        },
        {
            "id": HS_DEAL_HOOLI,
            "properties": {
                "dealname": "Hooli Enterprise",
                "dealstage": "closedwon",
                "pipeline": "default",
                "amount": "22000",
                "closedate": "2025-01-31T00:00:00Z",
                "renewal_link": "https://acme.example/renew/hooli",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
            "associations": {"contacts": [HS_CONTACT_NADIA]},
        },
        {
            "id": HS_DEAL_VANDELAY,
            "properties": {
                "dealname": "Vandelay Pro",
                "dealstage": "closedwon",
                "pipeline": "default",
                "amount": "18000",
                "closedate": "2025-01-31T00:00:00Z",
                "renewal_link": "https://acme.example/renew/vandelay",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
            "associations": {"contacts": [HS_CONTACT_FELIX]},
        },
        {
            "id": HS_DEAL_INITECH_RENEWAL,
            "properties": {
                "dealname": "Initech renewal",  # the template keeps 20 characters of a name
                "dealstage": "closedwon",
                "pipeline": "default",
                "amount": "15000",
                "renewal_date": days_ahead(28),
                "seats_used": "41",
                "seats_purchased": "50",
                "renewal_link": "https://acme.example/renew/initech",
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
            "associations": {"contacts": [HS_CONTACT_MARIA, HS_CONTACT_RUTH]},
            "association_labels": {"contacts": {HS_CONTACT_RUTH: "Decision maker"}},
        },
        {
            "id": HS_DEAL_UMBRELLA_RENEWAL,
            "properties": {
                "dealname": "Umbrella annual renewal 2",
                "dealstage": "closedwon",
                "pipeline": "default",
                "amount": "64000",
                "renewal_date": days_ahead(120),
                "hubspot_owner_id": HS_OWNER_AVERY,
            },
            "associations": {"contacts": [HS_CONTACT_KEN]},
        },
    ],
    "tickets": [
        {
            "id": HS_TICKET_SSO,
            "properties": {
                "subject": "Login fails with SSO",
                "content": "Okta redirect loops back to the login page.",
                "hs_pipeline": "0",
                "hs_pipeline_stage": "3",
                "hs_ticket_priority": "HIGH",
                "help_article_url": "https://help.example.com/articles/sso-setup",
                "hubspot_owner_id": HS_OWNER_JORDAN,
            },
            "associations": {"contacts": [HS_CONTACT_RUTH]},
        },
        {
            "id": HS_TICKET_NO_CONTACT,
            "properties": {
                "subject": "Webhook retries look duplicated",
                "content": "Raised by the partner portal, no contact attached.",
                "hs_pipeline": "0",
                "hs_pipeline_stage": "1",
                "hs_ticket_priority": "LOW",
                "hubspot_owner_id": HS_OWNER_JORDAN,
            },
        },
    ],
    "communications": [],
    "tasks": [],
}

for _objects in HUBSPOT.values():
    for _object in _objects:
        _object.setdefault("createdAt", _HS_CREATED)
for _owner in HUBSPOT_OWNERS:
    _owner.setdefault("createdAt", _HS_CREATED)

# A second HubSpot portal of the same app (one stack, several portals): its own data and its own token,
# served by a second emulator (``LocalStack.hubspot_portals``). A third portal id has no credentials.
HS2_PORTAL_ID = "13572468"
HS2_ACCESS_TOKEN = "local-hubspot-portal-2-token"
HS2_OWNER_SAM = "81234501"
HS2_CONTACT_OLIVIA = "85101"
HS2_DEAL_GLOBEX = "30841130001"
HS_UNKNOWN_PORTAL_ID = "11223344"  # a portal that installed the app but has no credentials here

HUBSPOT_2_OWNERS: list[dict[str, Any]] = [
    {
        "id": HS2_OWNER_SAM,
        "email": "sam.rivera@northwind.example",
        "firstName": "Sam",
        "lastName": "Rivera",
        "userId": 9200001,
        "userIdIncludingInactive": 9200001,
        "type": "PERSON",
        "teams": [],
        "createdAt": _HS_CREATED,
    }
]
HUBSPOT_2: dict[str, list[dict[str, Any]]] = {
    "contacts": [
        {
            "id": HS2_CONTACT_OLIVIA,
            "properties": {
                "firstname": "Olivia",
                "lastname": "Park",
                "email": "olivia.park@globex.example",
                "mobilephone": "(206) 555-0163",
                "company": "Globex",
                "hubspot_owner_id": HS2_OWNER_SAM,
            },
            "createdAt": _HS_CREATED,
        }
    ],
    "deals": [
        {
            "id": HS2_DEAL_GLOBEX,
            "properties": {
                "dealname": "Globex analytics pilot",
                "dealstage": "presentationscheduled",
                "pipeline": "default",
                "amount": "9000",
                "esign_link": "https://sign.example.com/envelopes/globex-pilot",
                "hubspot_owner_id": HS2_OWNER_SAM,
            },
            "associations": {"contacts": [HS2_CONTACT_OLIVIA]},
            "createdAt": _HS_CREATED,
        }
    ],
    "tickets": [],
    "communications": [],
    "tasks": [],
}

# --- Twilio ----------------------------------------------------------------------------------

TWILIO_ACCOUNT_SID = "AC5e1f0c2b9d8a47e6b3c2d1e0f9a8b7c6"
TWILIO_AUTH_TOKEN = "7f3c9b2e1d8a4f6e5c0b9a8d7e6f5a4b"
TWILIO_MESSAGING_SERVICE_SID = "MG2b7e4d1c9a8f46e3b5d0c1a2f3e4d5c6"
TWILIO_SENDER = "+14155550100"  # the Messaging Service's number in the emulator
