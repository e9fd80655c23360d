import Testing
@testable import CustodyLogClient
