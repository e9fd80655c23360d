import Testing
@testable import CustodyLog
