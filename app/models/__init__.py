"""The tables, one module per domain; import from here."""

from app.models.approvals import Approval, ApprovalPolicy, ApprovalPolicyStep, ApprovalStatus, ApproverKind, Delegation
from app.models.catalog import (
    SETTING_DEFAULTS,
    Accessory,
    Carrier,
    DeviceModel,
    EligibilityRule,
    Feature,
    FulfilmentMode,
    Plan,
    PlanKind,
    Setting,
    StipendTier,
    StoredFile,
    get_setting,
)
from app.models.inventory import (
    Device,
    DeviceAccessory,
    DeviceStatus,
    ImportBatch,
    ImportStatus,
    InventoryChange,
    Line,
    LineFeature,
    LineNumberEnding,
    LineStatus,
    Sim,
    SimKind,
    Stipend,
    StipendStatus,
)
from app.models.notifications import AuditEntry, MilestoneSetting, Notification, NotificationStatus
from app.models.orders import (
    CarrierRequest,
    CarrierRequestState,
    CarrierUpdate,
    CarrierUpdateState,
    DatedChange,
    EventKind,
    Order,
    OrderAttachment,
    OrderEvent,
    OrderStatus,
    ReportedDevice,
    Shipment,
)
from app.models.org_chart import OrgChartLink, OrgChartLoop
from app.models.people import CostCenter, Department, Group, Location, PersonWord, Role, User, UserRole, group_members
from app.models.wireline import ServiceKind, ServiceStatus, Site, WirelineNumber, WirelineService, circuit_key

__all__ = [name for name in dir() if not name.startswith("_")]
