import Testing
@testable import CustodyLogServer
