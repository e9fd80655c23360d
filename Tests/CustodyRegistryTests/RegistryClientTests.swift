import Testing
@testable import CustodyRegistry
