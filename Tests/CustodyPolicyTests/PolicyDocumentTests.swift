import Testing
@testable import CustodyPolicy
