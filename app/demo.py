"""The demo company: people, catalog, inventory and approval policies, loaded once (idempotent)."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app import clock
from app.catalog.pictures import store_picture
from app.crypto import encrypt
from app.extensions import db
from app.identifiers import make_iccid, make_imei
from app.inventory.wireline import add_months, parse_numbers, sites_for_offices
from app.models import (
    Accessory,
    ApprovalPolicy,
    ApprovalPolicyStep,
    ApproverKind,
    Carrier,
    CostCenter,
    Department,
    Device,
    DeviceModel,
    DeviceStatus,
    Feature,
    FulfilmentMode,
    Group,
    Line,
    LineFeature,
    LineStatus,
    Location,
    Plan,
    PlanKind,
    Role,
    ServiceKind,
    ServiceStatus,
    Setting,
    Sim,
    SimKind,
    Site,
    Stipend,
    StipendStatus,
    StipendTier,
    User,
    WirelineNumber,
    WirelineService,
)

DEMO_PASSWORD = "demo"
DEMO_WEBHOOK_SECRET = "demo-carrier-secret"

DEMO_LOGINS = (
    ("employee@example.com", "Erin Park", "Employee in Sales; her manager is Marco"),
    ("manager@example.com", "Marco Diaz", "Sales manager: approves his team's orders"),
    ("telecom@example.com", "Tara Singh", "Telecom admins group and fulfillment team"),
    ("helpdesk@example.com", "Hana Kim", "Helpdesk: inventory and orders on behalf"),
    ("admin@example.com", "Ada Lopez", "Administrator"),
)

FIRST_NAMES = [
    "Liam",
    "Noah",
    "Ava",
    "Mia",
    "Lucas",
    "Zoe",
    "Ethan",
    "Chloe",
    "Mateo",
    "Aria",
    "Leo",
    "Nora",
    "Owen",
    "Ruby",
    "Kai",
    "Isla",
    "Jonah",
    "Maya",
    "Eli",
    "Lena",
    "Samir",
    "Grace",
    "Theo",
    "Iris",
    "Felix",
    "June",
    "Hugo",
    "Nina",
    "Max",
    "Esme",
]
LAST_NAMES = [
    "Nguyen",
    "Okafor",
    "Rossi",
    "Schmidt",
    "Haddad",
    "Kowalski",
    "Moreau",
    "Tanaka",
    "Silva",
    "Byrne",
    "Patel",
    "Jensen",
    "Novak",
    "Costa",
    "Ibrahim",
    "Larsen",
    "Murphy",
    "Yilmaz",
    "Cohen",
    "Reyes",
    "Ahmed",
    "Fischer",
    "Quinn",
    "Sato",
    "Dubois",
    "Khan",
    "Olsen",
    "Varga",
    "Wright",
    "Lind",
]


def is_loaded() -> bool:
    return db.session.scalar(select(User.id).where(User.email == "admin@example.com")) is not None


def load_demo(today: date | None = None) -> bool:
    """Load the demo company unless it is there already; True when it loaded something. A demo loaded before
    there were sites gets its sites and wireline services now (once)."""
    today = today or clock.today()
    if is_loaded():
        _wireline(today)
        db.session.commit()
        return False
    rng = random.Random(20261126)
    people = _people()
    catalog = _catalog()
    _inventory(people, catalog, today, rng)
    _policies(people)
    _wireline(today)
    db.session.add_all([Setting(key="company_name", value="Contoso Holdings")])
    db.session.commit()
    return True


def _wireline(today: date) -> None:
    """The offices as sites (with a contact and installers' hours), a branch office still without service, and a
    few circuits, trunks and numbers; nothing when the demo has its services already."""
    if db.session.scalar(select(WirelineService.id).limit(1)) is not None:
        return
    sites_for_offices(db.session)
    by_email = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%@example.com")))}
    sites = {s.name: s for s in db.session.scalars(select(Site))}
    hq, field = sites.get("New York HQ"), sites.get("Denver field office")
    if hq is None or field is None:  # the offices were renamed: the demo's services have nowhere to go
        return
    hq.contact, hq.hours = by_email.get("omar.haddad@example.com"), "Mon–Fri 7:00–19:00; loading dock on 34th St"
    field.contact, field.hours = by_email.get("rosa.mendes@example.com"), "Mon–Fri 8:00–16:00"
    if "Boston branch office" not in sites:
        boston = Site(
            name="Boston branch office", street="100 Summer Street", unit="Suite 1200", city="Boston", state="MA",
            zip_code="02110-2106", contact=by_email.get("telecom@example.com"),
            hours="Mon–Fri 9:00–17:00; ask for the office manager at reception",
        )  # fmt: skip
        db.session.add(boston)
    carriers = {c.code: c for c in db.session.scalars(select(Carrier))}

    def service(site: Site, kind: ServiceKind, carrier: str, days_ago: int | None, **values) -> None:
        installed = today - timedelta(days=days_ago) if days_ago is not None else None
        term = values.get("term_months")
        db.session.add(
            WirelineService(
                site=site,
                kind=kind,
                carrier=carriers[carrier],
                installed_on=installed,
                contract_ends_on=add_months(installed, term) if installed and term else None,
                numbers=[WirelineNumber(number=n) for n in parse_numbers(values.pop("numbers", ""))],
                status=values.pop("status", ServiceStatus.ACTIVE),
                **values,
            )
        )

    service(
        hq,
        ServiceKind.DEDICATED_INTERNET,
        "fabrikam",
        420,
        circuit_id="DIA/10118/FB-447201",
        bandwidth_mbps=1000,
        monthly_cents=185000,
        term_months=36,
        equipment="Cisco ISR 4331 router",
    )
    service(
        hq,
        ServiceKind.SIP_TRUNK,
        "contoso",
        400,
        circuit_id="SIP-CT-20931",
        channels=46,
        numbers="(212) 555-1300 - 1349",
        monthly_cents=69000,
        term_months=24,
        equipment="Ribbon SBC 1000",
    )
    service(
        hq,
        ServiceKind.POTS,
        "northwind",
        900,
        circuit_id="POTS-NW-3318",
        numbers="(212) 555-1410, (212) 555-1411",
        monthly_cents=6500,
        equipment="Alarm panel and lift phone",
    )
    service(hq, ServiceKind.TOLL_FREE, "contoso", 700, numbers="(800) 555-0199", monthly_cents=1500)
    service(
        field,
        ServiceKind.INTERNET,
        "northwind",
        200,
        circuit_id="NW-BI-80202-7731",
        bandwidth_mbps=500,
        monthly_cents=24900,
        term_months=12,
        equipment="Nokia ONT G-010G-A; Meraki MX68 router",
    )
    service(
        field,
        ServiceKind.SD_WAN,
        "contoso",
        None,
        bandwidth_mbps=200,
        monthly_cents=42000,
        term_months=36,
        status=ServiceStatus.PENDING,
    )
    service(
        field,
        ServiceKind.MPLS,
        "contoso",
        1500,
        circuit_id="MPLS-CT-55120",
        bandwidth_mbps=50,
        monthly_cents=61000,
        term_months=36,
        status=ServiceStatus.DISCONNECTED,
        disconnected_on=today - timedelta(days=60),
    )
    db.session.flush()  # fmt: skip


def _people() -> dict:
    locations = {
        "NYC": Location(
            name="New York HQ", street="350 Fifth Avenue, Floor 21", city="New York", state="NY", postal_code="10118"
        ),
        "DEN": Location(
            name="Denver field office", street="1600 Glenarm Place", city="Denver", state="CO", postal_code="80202"
        ),
    }
    departments = {
        name: Department(name=name) for name in ("Sales", "Field engineering", "Finance", "Information technology")
    }
    cost_centers = {
        "Sales": CostCenter(code="CC-1100", name="Sales"),
        "Field engineering": CostCenter(code="CC-2200", name="Field engineering"),
        "Finance": CostCenter(code="CC-3300", name="Finance"),
        "Information technology": CostCenter(code="CC-4400", name="Information technology"),
    }
    db.session.add_all([*locations.values(), *departments.values(), *cost_centers.values()])
    employee_numbers = iter(range(1001, 2000))
    password_hash = generate_password_hash(DEMO_PASSWORD)  # hashed once: every demo login shares it

    def person(email: str, name: str, dept: str, title: str, manager: User | None, loc: str = "NYC") -> User:
        user = User(
            email=email,
            name=name,
            title=title,
            department=departments[dept],
            cost_center=cost_centers[dept],
            manager=manager,
            location=locations[loc],
            employee_number=f"E{next(employee_numbers)}",
        )
        user.password_hash = password_hash
        db.session.add(user)
        return user

    coo = person("priya.raman@example.com", "Priya Raman", "Finance", "Chief operating officer", None)
    heads = {
        "Sales": person("sofia.alvarez@example.com", "Sofia Alvarez", "Sales", "Sales director", coo),
        "Field engineering": person(
            "ken.watanabe@example.com", "Ken Watanabe", "Field engineering", "Field engineering director", coo, "DEN"
        ),
        "Finance": person("laura.chen@example.com", "Laura Chen", "Finance", "Finance director", coo),
        "Information technology": person(
            "omar.haddad@example.com", "Omar Haddad", "Information technology", "IT director", coo
        ),
    }
    for dept, head in heads.items():
        cost_centers[dept].owner = head
    marco = person("manager@example.com", "Marco Diaz", "Sales", "Sales manager", heads["Sales"])
    erin = person("employee@example.com", "Erin Park", "Sales", "Account executive", marco)
    tara = person(
        "telecom@example.com",
        "Tara Singh",
        "Information technology",
        "Telecom manager",
        heads["Information technology"],
    )
    hana = person(
        "helpdesk@example.com",
        "Hana Kim",
        "Information technology",
        "Helpdesk analyst",
        heads["Information technology"],
    )
    ada = person(
        "admin@example.com",
        "Ada Lopez",
        "Information technology",
        "Systems administrator",
        heads["Information technology"],
    )
    tara.grant(Role.FULFILLMENT)
    hana.grant(Role.HELPDESK)
    ada.grant(Role.ADMIN)
    telecom_admins = Group(
        name="Telecom admins", description="Approves new service and device orders.", members=[tara, ada]
    )
    db.session.add(telecom_admins)

    field_lead = person(
        "rosa.mendes@example.com",
        "Rosa Mendes",
        "Field engineering",
        "Field team lead",
        heads["Field engineering"],
        "DEN",
    )
    team_managers = {
        "Sales": marco,
        "Field engineering": field_lead,
        "Finance": heads["Finance"],
        "Information technology": heads["Information technology"],
    }
    staff: list[User] = [erin]
    plan = [("Sales", 10), ("Field engineering", 10), ("Finance", 5), ("Information technology", 4)]
    names = iter(zip(FIRST_NAMES, LAST_NAMES, strict=True))
    for dept, count in plan:
        for _ in range(count):
            first, last = next(names)
            staff.append(
                person(
                    f"{first.lower()}.{last.lower()}@example.com",
                    f"{first} {last}",
                    dept,
                    "Field engineer" if dept == "Field engineering" else "Analyst",
                    team_managers[dept],
                    "DEN" if dept == "Field engineering" else "NYC",
                )
            )
    db.session.flush()
    everyone = [coo, *heads.values(), marco, erin, tara, hana, ada, field_lead, *staff[1:]]
    return {
        "erin": erin,
        "marco": marco,
        "tara": tara,
        "ada": ada,
        "hana": hana,
        "staff": staff,
        "everyone": everyone,
        "telecom_admins": telecom_admins,
        "cost_centers": cost_centers,
    }


def _catalog() -> dict:
    carriers = {
        "northwind": Carrier(
            code="northwind",
            name="Northwind Wireless",
            fulfilment_mode=FulfilmentMode.SIMULATED,
            reactivation_window_days=30,
            early_upgrade_fee_cents=15000,
            account_number="NW-88120045",
        ),
        "contoso": Carrier(
            code="contoso",
            name="Contoso Mobile",
            fulfilment_mode=FulfilmentMode.MANUAL,
            reactivation_window_days=60,
            early_upgrade_fee_cents=20000,
            account_number="CM-5530192",
        ),
        "fabrikam": Carrier(
            code="fabrikam",
            name="Fabrikam Cellular",
            fulfilment_mode=FulfilmentMode.API,  # through its API: the carrier sandbox plays it (app.carrier_sandbox)
            api_url=current_app.config["CARRIER_SANDBOX_URL"],
            api_secret_encrypted=encrypt(DEMO_WEBHOOK_SECRET),
            reactivation_window_days=30,
            account_number="FC-00417723",
        ),
    }
    for carrier in carriers.values():
        carrier.webhook_secret_encrypted = encrypt(DEMO_WEBHOOK_SECRET)
    db.session.add_all(carriers.values())
    plans: dict[str, list[Plan]] = {}
    for code, carrier in carriers.items():
        bump = {"northwind": 0, "contoso": 200, "fabrikam": -300}[code]
        plans[code] = [
            Plan(carrier=carrier, name="Business Unlimited", kind=PlanKind.VOICE_DATA, monthly_cents=4500 + bump),
            Plan(
                carrier=carrier, name="Business 10 GB", kind=PlanKind.VOICE_DATA, monthly_cents=3000 + bump, data_gb=10
            ),
            Plan(carrier=carrier, name="Voice only", kind=PlanKind.VOICE, monthly_cents=1500 + bump // 2),
            Plan(carrier=carrier, name="Data only 20 GB", kind=PlanKind.DATA, monthly_cents=2500 + bump, data_gb=20),
        ]
        db.session.add_all(plans[code])
        db.session.add_all(
            [
                Feature(
                    carrier=carrier,
                    code="intl_travel",
                    name="International travel pass",
                    monthly_cents=1000,
                    takes_dates=True,
                ),
                Feature(carrier=carrier, code="hotspot", name="Mobile hotspot", monthly_cents=1000),
                Feature(carrier=carrier, code="visual_vm", name="Visual voicemail", monthly_cents=300),
                Feature(carrier=carrier, code="wifi_calling", name="Wi-Fi calling", monthly_cents=0),
            ]
        )
    all_carriers = list(carriers.values())
    nw_cm = [carriers["northwind"], carriers["contoso"]]
    cm_fc = [carriers["contoso"], carriers["fabrikam"]]
    models = {
        "iphone16": DeviceModel(
            maker="Apple", name="iPhone 16", storage_gb=128, color="Black", price_cents=79900, carriers=all_carriers
        ),
        "iphone16pro": DeviceModel(
            maker="Apple",
            name="iPhone 16 Pro",
            storage_gb=256,
            color="Natural titanium",
            price_cents=109900,
            carriers=all_carriers,
        ),
        "iphone_se": DeviceModel(
            maker="Apple", name="iPhone SE", storage_gb=64, color="Midnight", price_cents=42900, carriers=all_carriers
        ),
        "galaxy_s25": DeviceModel(
            maker="Samsung", name="Galaxy S25", storage_gb=256, color="Navy", price_cents=85999, carriers=all_carriers
        ),
        "galaxy_a56": DeviceModel(
            maker="Samsung",
            name="Galaxy A56",
            storage_gb=128,
            color="Graphite",
            price_cents=44999,
            carriers=all_carriers,
        ),
        "pixel9": DeviceModel(
            maker="Google", name="Pixel 9", storage_gb=128, color="Obsidian", price_cents=79900, carriers=nw_cm
        ),
        "ipad_air": DeviceModel(
            maker="Apple",
            name="iPad Air 11-inch",
            kind="tablet",
            storage_gb=128,
            color="Space gray",
            price_cents=59900,
            carriers=all_carriers,
        ),
        "nighthawk": DeviceModel(
            maker="Netgear",
            name="Nighthawk M6 hotspot",
            kind="hotspot",
            color="Black",
            price_cents=39999,
            esim=False,
            carriers=cm_fc,
        ),
    }
    for key, specs in DEMO_SPECS.items():
        models[key].specs = specs
    db.session.add_all(models.values())
    for key, model in models.items():  # the demo's own drawings (app/demo_pictures), trusted as they are
        drawing = (DEMO_PICTURES / f"{key}.svg").read_bytes()
        store_picture(db.session, [model], drawing, f"{key}.svg", "image/svg+xml")
    phones = [m for m in models.values() if m.kind == "phone"]
    db.session.add_all(
        [
            Accessory(name="Rugged case (iPhone 16)", kind="case", price_cents=4999, fits=[models["iphone16"]]),
            Accessory(name="Leather case (iPhone 16 Pro)", kind="case", price_cents=5999, fits=[models["iphone16pro"]]),
            Accessory(name="Protective case (Galaxy S25)", kind="case", price_cents=3999, fits=[models["galaxy_s25"]]),
            Accessory(name="USB-C fast charger 30 W", kind="charger", price_cents=2999),
            Accessory(name="Portable battery pack 10,000 mAh", kind="battery", price_cents=4499),
            Accessory(name="Wireless headset", kind="headset", price_cents=12999, fits=phones),
            Accessory(name="Car mount with charging", kind="mount", price_cents=3499, fits=phones),
        ]
    )
    tiers = [
        StipendTier(name="Basic", monthly_cents=2500),
        StipendTier(name="Standard", monthly_cents=5000),
        StipendTier(name="Power user", monthly_cents=7500),
    ]
    db.session.add_all(tiers)
    db.session.flush()
    return {"carriers": carriers, "plans": plans, "models": models, "tiers": tiers}


DEMO_PICTURES = Path(__file__).parent / "demo_pictures"  # a picture per demo device model, drawn as SVG
DEMO_SPECS = {
    "iphone16": "6.1-inch screen, 5G, dual camera",
    "iphone16pro": "6.3-inch screen, 5G, triple camera",
    "iphone_se": "4.7-inch screen, 5G, Touch ID",
    "galaxy_s25": "6.2-inch screen, 5G, triple camera",
    "galaxy_a56": "6.7-inch screen, 5G, triple camera",
    "pixel9": "6.3-inch screen, 5G, dual camera",
    "ipad_air": "11-inch screen, 5G, Apple Pencil support",
    "nighthawk": "5G, Wi-Fi 6, up to 32 devices",
}

TACS = {"Apple": "35391110", "Samsung": "35290611", "Google": "35846911", "Netgear": "86497604"}
AREA_CODES = {"NYC": "212", "DEN": "303"}


def _inventory(people: dict, catalog: dict, today: date, rng: random.Random) -> None:
    serials = itertools.count(104729, 7919)
    numbers = {code: iter(range(100, 200)) for code in AREA_CODES.values()}
    iccids = iter(range(1, 10_000))
    carriers = catalog["carriers"]
    models = list(catalog["models"].values())
    phone_models = [m for m in models if m.kind == "phone"]

    def device(model: DeviceModel, status: DeviceStatus, owner: User | None, bought_days_ago: int) -> Device:
        bought = today - timedelta(days=bought_days_ago)
        dev = Device(
            model=model,
            status=status,
            employee=owner,
            purchased_on=bought,
            activated_on=bought if owner else None,
            warranty_ends_on=bought + timedelta(days=365),
            imei=make_imei(TACS[model.maker], next(serials) % 10**6),
            serial=f"{model.maker[:2].upper()}{next(serials) % 10**8:08d}",
        )
        db.session.add(dev)
        return dev

    def line(
        owner: User, carrier_code: str, dev: Device | None, status: LineStatus, since_days: int, plan_index: int = 0
    ) -> Line:
        area = AREA_CODES["DEN" if owner.location and owner.location.city == "Denver" else "NYC"]
        carrier = carriers[carrier_code]
        ln = Line(
            number=f"+1{area}5550{next(numbers[area]):03d}",
            carrier=carrier,
            account_number=carrier.account_number,
            plan=catalog["plans"][carrier_code][plan_index],
            employee=owner,
            cost_center=owner.cost_center,
            device=dev,
            status=status,
            activated_on=today - timedelta(days=since_days),
        )
        db.session.add(ln)
        db.session.add(
            Sim(iccid=make_iccid("01260", next(iccids)), kind=SimKind.PHYSICAL, line=ln, activated_on=ln.activated_on)
        )
        return ln

    # Erin: an active Northwind line on an iPhone 16 bought six months ago (not yet upgrade-eligible).
    erin = people["erin"]
    erin_phone = device(catalog["models"]["iphone16"], DeviceStatus.ASSIGNED, erin, 182)
    erin_line = line(erin, "northwind", erin_phone, LineStatus.ACTIVE, 182)
    db.session.add(LineFeature(line=erin_line, feature=_feature(carriers["northwind"], "visual_vm")))

    carrier_cycle = ["northwind", "contoso", "fabrikam"]
    owners = [p for p in people["everyone"] if p is not erin]
    for index, owner in enumerate(owners):
        model = rng.choice(phone_models)
        age = rng.randint(60, 1100)
        dev = device(model, DeviceStatus.ASSIGNED, owner, age)
        line(owner, carrier_cycle[index % 3], dev, LineStatus.ACTIVE, age, plan_index=index % 2)
    field_staff = [p for p in people["staff"] if p.department and p.department.name == "Field engineering"]
    for index, owner in enumerate(field_staff[:6]):  # field engineers also carry a tablet or a hotspot
        model = catalog["models"]["ipad_air" if index % 2 else "nighthawk"]
        dev = device(model, DeviceStatus.ASSIGNED, owner, rng.randint(90, 700))
        line(owner, "contoso", dev, LineStatus.ACTIVE, 200, plan_index=3)

    office_staff = [p for p in people["staff"][1:] if p.department.name in ("Sales", "Finance")]
    for owner in office_staff[:8]:  # tablets with data-only lines for some office staff
        dev = device(catalog["models"]["ipad_air"], DeviceStatus.ASSIGNED, owner, rng.randint(90, 700))
        line(owner, "northwind", dev, LineStatus.ACTIVE, 150, plan_index=3)

    staff = people["staff"]
    suspended = line(
        staff[3], "northwind", device(phone_models[1], DeviceStatus.ASSIGNED, staff[3], 400), LineStatus.SUSPENDED, 400
    )
    suspended.suspended_on, suspended.suspend_reason = today - timedelta(days=12), "Extended leave"
    recent = line(
        staff[5],
        "northwind",
        device(phone_models[2], DeviceStatus.PENDING_RETURN, staff[5], 800),
        LineStatus.DISCONNECTED,
        800,
    )
    recent.disconnected_on = today - timedelta(days=10)
    old = line(
        staff[7], "fabrikam", device(phone_models[3], DeviceStatus.RETIRED, None, 1300), LineStatus.DISCONNECTED, 1300
    )
    old.disconnected_on = today - timedelta(days=45)

    # Stock and the rest of the device life cycle.
    for model in (
        catalog["models"]["iphone16"],
        catalog["models"]["galaxy_a56"],
        catalog["models"]["pixel9"],
        catalog["models"]["iphone_se"],
        catalog["models"]["ipad_air"],
    ):
        device(model, DeviceStatus.IN_STOCK, None, rng.randint(5, 60))
    device(catalog["models"]["iphone16"], DeviceStatus.IN_STOCK, None, 20)
    device(phone_models[0], DeviceStatus.IN_REPAIR, staff[9], 300)
    device(phone_models[4], DeviceStatus.LOST_STOLEN, staff[11], 500)
    device(phone_models[2], DeviceStatus.RETURNED_TO_VENDOR, None, 200)
    device(phone_models[1], DeviceStatus.RETIRED, None, 1500)

    tiers = catalog["tiers"]
    for index, owner in enumerate(staff[12:16]):
        db.session.add(
            Stipend(
                employee=owner,
                tier=tiers[index % 3],
                monthly_cents=tiers[index % 3].monthly_cents,
                status=StipendStatus.ACTIVE,
                starts_on=today - timedelta(days=90 + index * 30),
            )
        )


def _feature(carrier: Carrier, code: str) -> Feature:
    feature = db.session.scalar(select(Feature).where(Feature.carrier_id == carrier.id, Feature.code == code))
    if feature is None:
        raise LookupError(f"{carrier.name} has no feature {code!r}")
    return feature


def _policies(people: dict) -> None:
    """Best-practice defaults: the manager, then Telecom admins for new service and devices."""
    group = people["telecom_admins"]

    def policy(
        name: str, priority: int, types: list[str], steps: list[tuple[ApproverKind, Group | None]], **conditions
    ) -> None:
        db.session.add(
            ApprovalPolicy(
                name=name,
                priority=priority,
                order_types=types,
                **conditions,
                steps=[
                    ApprovalPolicyStep(position=i, approver_kind=kind, group=grp)
                    for i, (kind, grp) in enumerate(steps, start=1)
                ],
            )
        )

    manager_then_telecom = [(ApproverKind.MANAGER, None), (ApproverKind.GROUP, group)]
    policy(
        "Out-of-policy requests",
        5,
        [],
        [(ApproverKind.MANAGER, None), (ApproverKind.COST_CENTER_OWNER, None), (ApproverKind.GROUP, group)],
        out_of_policy=True,
    )
    policy(
        "New service and devices",
        10,
        [
            "new_line",
            "upgrade",
            "warranty_replacement",
            "port_in",
            "transfer_liability",
            "activate_in_stock",
            "swap_to_stock_device",
        ],
        manager_then_telecom,
    )
    # A wireline contract of three years or more commits the company: the manager, then Finance's director.
    finance = db.session.scalar(select(User).where(User.email == "laura.chen@example.com"))
    if finance is not None:
        db.session.add(
            ApprovalPolicy(
                name="Wireline contracts of 36 months or more",
                priority=8,
                order_types=[],
                modules=["Wireline"],
                min_term_months=36,
                steps=[
                    ApprovalPolicyStep(position=1, approver_kind=ApproverKind.MANAGER),
                    ApprovalPolicyStep(position=2, approver_kind=ApproverKind.USER, user=finance),
                ],
            )
        )
    policy("Accessories under $150", 20, ["accessory"], [(ApproverKind.MANAGER, None)], max_one_time_cents=14999)
    policy("Accessories $150 and over", 21, ["accessory"], manager_then_telecom, min_one_time_cents=15000)
    # A line assigned into another department is approved there too (its cost moves): the receiving manager.
    policy(
        "Assignments and disconnects",
        30,
        ["assign_line", "disconnect", "suspend"],
        [(ApproverKind.MANAGER, None), (ApproverKind.RECEIVING_MANAGER, None)],
    )
    policy(
        "Stipends",
        40,
        ["stipend_enroll", "stipend_remove"],
        [(ApproverKind.MANAGER, None), (ApproverKind.COST_CENTER_OWNER, None)],
    )
    if db.session.scalar(select(ApprovalPolicy.id).where(ApprovalPolicy.is_default)) is None:  # the migration's
        policy(
            "Company default",
            1000,
            [],
            [(ApproverKind.MANAGER, None), (ApproverKind.RECEIVING_MANAGER, None)],
            is_default=True,
        )
